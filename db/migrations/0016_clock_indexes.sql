ALTER TABLE `placements` ADD `checkin_due` text;--> statement-breakpoint
CREATE INDEX `placements_checkin_due_idx` ON `placements` (`checkin_due`) WHERE end_date IS NULL;--> statement-breakpoint
CREATE INDEX `openings_status_closing_idx` ON `openings` (`status`,`closing_date`);--> statement-breakpoint
CREATE INDEX `openings_status_updated_idx` ON `openings` (`status`,`updated_at`);--> statement-breakpoint
-- When each active placement's check-in is owed: 30 days after its start, or after it was last asked.
UPDATE `placements` SET `checkin_due` = CASE WHEN `checked_in_at` IS NULL THEN date(`start_date`, '+30 days') ELSE date(`checked_in_at`, '+8 hours', '+30 days') END WHERE `end_date` IS NULL;--> statement-breakpoint
CREATE TRIGGER `placements_checkin_due_insert` AFTER INSERT ON `placements` WHEN NEW.`checkin_due` IS NULL BEGIN
  UPDATE `placements` SET `checkin_due` = date(NEW.`start_date`, '+30 days') WHERE `id` = NEW.`id`;
END;
