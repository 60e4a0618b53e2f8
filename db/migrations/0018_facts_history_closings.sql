CREATE TABLE `closings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`area_code` text NOT NULL,
	`month` text NOT NULL,
	`as_of` text NOT NULL,
	`figures` text NOT NULL,
	`closed_by_role` text NOT NULL,
	`closed_by_token_id` integer,
	`closed_at` text NOT NULL,
	`reason` text
);
--> statement-breakpoint
CREATE INDEX `closings_area_month_idx` ON `closings` (`area_code`,`month`,`id`);--> statement-breakpoint
CREATE TABLE `employer_certifications` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`employer_id` integer NOT NULL,
	`effective_date` text NOT NULL,
	`certified` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `employer_certifications_idx` ON `employer_certifications` (`employer_id`,`effective_date`,`id`);--> statement-breakpoint
CREATE TABLE `household_status_history` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`household_id` integer NOT NULL,
	`effective_date` text NOT NULL,
	`poverty_alleviated` integer NOT NULL,
	`monitored` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `household_status_history_idx` ON `household_status_history` (`household_id`,`effective_date`,`id`);--> statement-breakpoint
DROP INDEX `workers_created_idx`;--> statement-breakpoint
DROP INDEX `workers_area_idx`;--> statement-breakpoint
ALTER TABLE `workers` ADD `registered_on` text;--> statement-breakpoint
CREATE INDEX `workers_registered_idx` ON `workers` (`registered_on`,`area_code`);--> statement-breakpoint
CREATE INDEX `workers_area_idx` ON `workers` (`area_code`,`registered_on`);--> statement-breakpoint
DROP INDEX `zero_periods_area_idx`;--> statement-breakpoint
ALTER TABLE `zero_employment_periods` ADD `target` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `zero_employment_periods` ADD `status_since` text;--> statement-breakpoint
CREATE INDEX `zero_periods_area_idx` ON `zero_employment_periods` (`area_code`,`start_date`,`end_date`,`target`,`status_since`);--> statement-breakpoint
ALTER TABLE `employers` ADD `certified_since` text;--> statement-breakpoint
ALTER TABLE `households` ADD `status_since` text;--> statement-breakpoint
-- hand-written below
-- A filing is never changed or removed: closing again adds a row.
CREATE TRIGGER `closings_no_update` BEFORE UPDATE ON `closings`
BEGIN SELECT RAISE(ABORT, 'closings are append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `closings_no_delete` BEFORE DELETE ON `closings`
BEGIN SELECT RAISE(ABORT, 'closings are append-only'); END;
--> statement-breakpoint
-- A household's status keeps its history, whoever changes it: the state
-- before the first change (dated from status_since or the registration),
-- then each new state dated from the status_since written with it.
CREATE TRIGGER `households_status_history` AFTER UPDATE OF `poverty_alleviated`, `monitored` ON `households`
WHEN OLD.`poverty_alleviated` IS NOT NEW.`poverty_alleviated` OR OLD.`monitored` IS NOT NEW.`monitored`
BEGIN
  INSERT INTO `household_status_history` (`household_id`, `effective_date`, `poverty_alleviated`, `monitored`)
    SELECT OLD.`id`, coalesce(OLD.`status_since`, date(OLD.`created_at`, '+8 hours')), OLD.`poverty_alleviated`, OLD.`monitored`
    WHERE NOT EXISTS (SELECT 1 FROM `household_status_history` WHERE `household_id` = OLD.`id`);
  INSERT INTO `household_status_history` (`household_id`, `effective_date`, `poverty_alleviated`, `monitored`)
    VALUES (NEW.`id`, coalesce(NEW.`status_since`, date('now', '+8 hours')), NEW.`poverty_alleviated`, NEW.`monitored`);
END;
--> statement-breakpoint
-- The same for a workshop's certification.
CREATE TRIGGER `employers_certification_history` AFTER UPDATE OF `certified` ON `employers`
WHEN OLD.`certified` IS NOT NEW.`certified`
BEGIN
  INSERT INTO `employer_certifications` (`employer_id`, `effective_date`, `certified`)
    SELECT OLD.`id`, coalesce(OLD.`certified_since`, date(coalesce(OLD.`certified_at`, OLD.`created_at`), '+8 hours')), OLD.`certified`
    WHERE NOT EXISTS (SELECT 1 FROM `employer_certifications` WHERE `employer_id` = OLD.`id`);
  INSERT INTO `employer_certifications` (`employer_id`, `effective_date`, `certified`)
    VALUES (NEW.`id`, coalesce(NEW.`certified_since`, date('now', '+8 hours')), NEW.`certified`);
END;
--> statement-breakpoint
-- Every person has a registration date: the China date of created_at for
-- those registered before the column, and for any row inserted without one.
UPDATE `workers` SET `registered_on` = date(`created_at`, '+8 hours') WHERE `registered_on` IS NULL;
--> statement-breakpoint
CREATE TRIGGER `workers_registered_on` AFTER INSERT ON `workers` WHEN NEW.`registered_on` IS NULL
BEGIN
  UPDATE `workers` SET `registered_on` = date(NEW.`created_at`, '+8 hours') WHERE `id` = NEW.`id`;
END;
--> statement-breakpoint
-- Each zero-employment period carries its household's current status, so
-- the clearance target is counted from the period index alone.
UPDATE `zero_employment_periods` SET
  `target` = coalesce((SELECT (h.`poverty_alleviated` = 1 OR h.`monitored` = 1) FROM `households` h WHERE h.`id` = `zero_employment_periods`.`household_id`), 0),
  `status_since` = (SELECT h.`status_since` FROM `households` h WHERE h.`id` = `zero_employment_periods`.`household_id`);
--> statement-breakpoint
CREATE TRIGGER `zero_periods_status_insert` AFTER INSERT ON `zero_employment_periods`
BEGIN
  UPDATE `zero_employment_periods` SET
    `target` = coalesce((SELECT (h.`poverty_alleviated` = 1 OR h.`monitored` = 1) FROM `households` h WHERE h.`id` = NEW.`household_id`), 0),
    `status_since` = (SELECT h.`status_since` FROM `households` h WHERE h.`id` = NEW.`household_id`)
  WHERE `id` = NEW.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `households_status_to_zero_periods` AFTER UPDATE OF `poverty_alleviated`, `monitored`, `status_since` ON `households`
BEGIN
  UPDATE `zero_employment_periods` SET
    `target` = (NEW.`poverty_alleviated` = 1 OR NEW.`monitored` = 1),
    `status_since` = NEW.`status_since`
  WHERE `household_id` = NEW.`id`;
END;
