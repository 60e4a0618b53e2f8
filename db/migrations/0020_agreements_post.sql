CREATE TABLE `agreements` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`placement_id` integer NOT NULL,
	`worker_id` integer NOT NULL,
	`household_id` integer NOT NULL,
	`opening_id` integer,
	`home_area_code` text NOT NULL,
	`start_date` text NOT NULL,
	`end_date` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`previous_id` integer,
	`exit_reason` text,
	`last_day_worked` text,
	`closed_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`placement_id`) REFERENCES `placements`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`worker_id`) REFERENCES `workers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`household_id`) REFERENCES `households`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`opening_id`) REFERENCES `openings`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "agreements_dates_ck" CHECK("agreements"."end_date" > "agreements"."start_date")
);
--> statement-breakpoint
CREATE INDEX `agreements_placement_idx` ON `agreements` (`placement_id`,`status`);--> statement-breakpoint
CREATE INDEX `agreements_worker_idx` ON `agreements` (`worker_id`);--> statement-breakpoint
CREATE INDEX `agreements_area_due_idx` ON `agreements` (`home_area_code`,`end_date`) WHERE status = 'active';--> statement-breakpoint
CREATE INDEX `agreements_due_idx` ON `agreements` (`end_date`) WHERE status = 'active';--> statement-breakpoint
CREATE UNIQUE INDEX `agreements_one_active_uq` ON `agreements` (`placement_id`) WHERE status = 'active';--> statement-breakpoint
CREATE TABLE `household_cadre_history` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`household_id` integer NOT NULL,
	`effective_date` text NOT NULL,
	`cadre_household` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `household_cadre_history_idx` ON `household_cadre_history` (`household_id`,`effective_date`,`id`);--> statement-breakpoint
ALTER TABLE `households` ADD `cadre_household` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `households` ADD `cadre_since` text;--> statement-breakpoint
ALTER TABLE `workers` ADD `birth_date` text;--> statement-breakpoint
ALTER TABLE `workers` ADD `deceased_on` text;--> statement-breakpoint
-- hand-written below
-- A household's cadre flag keeps its history, whoever changes it, as its
-- poverty status does (migration 0018): the state before the first change
-- (dated from cadre_since or the registration), then each new state dated
-- from the cadre_since written with it.
CREATE TRIGGER `households_cadre_history` AFTER UPDATE OF `cadre_household` ON `households`
WHEN OLD.`cadre_household` IS NOT NEW.`cadre_household`
BEGIN
  INSERT INTO `household_cadre_history` (`household_id`, `effective_date`, `cadre_household`)
    SELECT OLD.`id`, coalesce(OLD.`cadre_since`, date(OLD.`created_at`, '+8 hours')), OLD.`cadre_household`
    WHERE NOT EXISTS (SELECT 1 FROM `household_cadre_history` WHERE `household_id` = OLD.`id`);
  INSERT INTO `household_cadre_history` (`household_id`, `effective_date`, `cadre_household`)
    VALUES (NEW.`id`, coalesce(NEW.`cadre_since`, date('now', '+8 hours')), NEW.`cadre_household`);
END;
