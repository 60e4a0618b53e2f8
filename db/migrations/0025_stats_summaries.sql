DROP INDEX `placements_opening_idx`;--> statement-breakpoint
ALTER TABLE `placements` ADD `household_target` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `placements` ADD `household_status_since` text;--> statement-breakpoint
CREATE INDEX `placements_post_taken_idx` ON `placements` (`end_date`,`start_date`,`opening_id`,`created_at`) WHERE type = 'public_welfare' AND opening_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX `placements_opening_idx` ON `placements` (`opening_id`,`start_date`,`end_date`,`household_id`,`worker_id`,`household_target`,`household_status_since`);--> statement-breakpoint
-- hand-written below
-- Each placement carries its household's current status, as each
-- zero-employment period does (migration 0018), so a workshop's
-- poverty-alleviated employees are counted from placements_opening_idx.
-- The index is built again after the backfill (cheaper than updating it
-- row by row).
DROP INDEX `placements_opening_idx`;
--> statement-breakpoint
UPDATE `placements` SET
  `household_target` = coalesce((SELECT (h.`poverty_alleviated` = 1 OR h.`monitored` = 1) FROM `households` h WHERE h.`id` = `placements`.`household_id`), 0),
  `household_status_since` = (SELECT h.`status_since` FROM `households` h WHERE h.`id` = `placements`.`household_id`);
--> statement-breakpoint
CREATE INDEX `placements_opening_idx` ON `placements` (`opening_id`,`start_date`,`end_date`,`household_id`,`worker_id`,`household_target`,`household_status_since`);
--> statement-breakpoint
CREATE TRIGGER `placements_household_status_insert` AFTER INSERT ON `placements`
BEGIN
  UPDATE `placements` SET
    `household_target` = coalesce((SELECT (h.`poverty_alleviated` = 1 OR h.`monitored` = 1) FROM `households` h WHERE h.`id` = NEW.`household_id`), 0),
    `household_status_since` = (SELECT h.`status_since` FROM `households` h WHERE h.`id` = NEW.`household_id`)
  WHERE `id` = NEW.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `placements_household_status_moved` AFTER UPDATE OF `household_id` ON `placements`
BEGIN
  UPDATE `placements` SET
    `household_target` = coalesce((SELECT (h.`poverty_alleviated` = 1 OR h.`monitored` = 1) FROM `households` h WHERE h.`id` = NEW.`household_id`), 0),
    `household_status_since` = (SELECT h.`status_since` FROM `households` h WHERE h.`id` = NEW.`household_id`)
  WHERE `id` = NEW.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `households_status_to_placements` AFTER UPDATE OF `poverty_alleviated`, `monitored`, `status_since` ON `households`
BEGIN
  UPDATE `placements` SET
    `household_target` = (NEW.`poverty_alleviated` = 1 OR NEW.`monitored` = 1),
    `household_status_since` = NEW.`status_since`
  WHERE `household_id` = NEW.`id`;
END;
