ALTER TABLE `workers` ADD `zero_listed` integer DEFAULT false NOT NULL;--> statement-breakpoint
-- Workers of households that have any zero-employment period (a superset of
-- "on the list" on any day). Kept by the triggers below.
UPDATE `workers` SET `zero_listed` = 1 WHERE `household_id` IN (SELECT `household_id` FROM `zero_employment_periods`);--> statement-breakpoint
CREATE INDEX `workers_zero_grid_idx` ON `workers` (`reach_band`,`cell`,`household_id`,`area_code`,`home_lat`,`home_lon`,`max_distance_km`,`cannot_leave_home`,`availability`) WHERE zero_listed = 1 AND erased_at IS NULL AND able_to_work = 1;--> statement-breakpoint
CREATE TRIGGER `zero_periods_listed_insert` AFTER INSERT ON `zero_employment_periods` BEGIN
  UPDATE `workers` SET `zero_listed` = 1 WHERE `household_id` = NEW.`household_id` AND `zero_listed` = 0;
END;--> statement-breakpoint
CREATE TRIGGER `zero_periods_listed_delete` AFTER DELETE ON `zero_employment_periods` BEGIN
  UPDATE `workers` SET `zero_listed` = 0 WHERE `household_id` = OLD.`household_id` AND `zero_listed` = 1 AND NOT EXISTS (SELECT 1 FROM `zero_employment_periods` AS z WHERE z.`household_id` = OLD.`household_id`);
END;--> statement-breakpoint
CREATE TRIGGER `zero_periods_listed_update` AFTER UPDATE OF `household_id` ON `zero_employment_periods` BEGIN
  UPDATE `workers` SET `zero_listed` = EXISTS (SELECT 1 FROM `zero_employment_periods` AS z WHERE z.`household_id` = `workers`.`household_id`) WHERE `household_id` IN (OLD.`household_id`, NEW.`household_id`);
END;--> statement-breakpoint
CREATE TRIGGER `workers_listed_insert` AFTER INSERT ON `workers` BEGIN
  UPDATE `workers` SET `zero_listed` = 1 WHERE `id` = NEW.`id` AND EXISTS (SELECT 1 FROM `zero_employment_periods` AS z WHERE z.`household_id` = NEW.`household_id`);
END;--> statement-breakpoint
CREATE TRIGGER `workers_listed_household` AFTER UPDATE OF `household_id` ON `workers` BEGIN
  UPDATE `workers` SET `zero_listed` = EXISTS (SELECT 1 FROM `zero_employment_periods` AS z WHERE z.`household_id` = NEW.`household_id`) WHERE `id` = NEW.`id`;
END;
