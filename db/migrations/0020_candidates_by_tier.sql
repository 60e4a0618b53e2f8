DROP INDEX `workers_grid_idx`;--> statement-breakpoint
DROP INDEX `workers_reach_area_idx`;--> statement-breakpoint
ALTER TABLE `workers` ADD `status_tier` integer DEFAULT 3 NOT NULL;--> statement-breakpoint
CREATE INDEX `workers_tier_grid_idx` ON `workers` (`status_tier`,`cannot_leave_home`,`reach_band`,`cell`,`area_code`,`home_lat`,`home_lon`,`max_distance_km`,`household_id`,`availability`,`zero_listed`,`erased_at`,`able_to_work`) WHERE erased_at IS NULL AND able_to_work = 1;--> statement-breakpoint
CREATE INDEX `workers_tier_area_idx` ON `workers` (`status_tier`,`reach_band`,`area_code`) WHERE erased_at IS NULL AND able_to_work = 1;--> statement-breakpoint
-- hand-written below
-- The backfill runs without the two new indexes (status_tier leads both, so
-- every row would move in them) and builds them after, as generated above.
DROP INDEX `workers_tier_grid_idx`;--> statement-breakpoint
DROP INDEX `workers_tier_area_idx`;--> statement-breakpoint
UPDATE `workers` SET `status_tier` = (SELECT CASE WHEN h.`monitored` = 1 THEN 1 WHEN h.`poverty_alleviated` = 1 THEN 2 ELSE 3 END FROM `households` AS h WHERE h.`id` = `workers`.`household_id`);--> statement-breakpoint
CREATE INDEX `workers_tier_grid_idx` ON `workers` (`status_tier`,`cannot_leave_home`,`reach_band`,`cell`,`area_code`,`home_lat`,`home_lon`,`max_distance_km`,`household_id`,`availability`,`zero_listed`,`erased_at`,`able_to_work`) WHERE erased_at IS NULL AND able_to_work = 1;--> statement-breakpoint
CREATE INDEX `workers_tier_area_idx` ON `workers` (`status_tier`,`reach_band`,`area_code`) WHERE erased_at IS NULL AND able_to_work = 1;--> statement-breakpoint
CREATE TRIGGER `workers_status_tier_insert` AFTER INSERT ON `workers` BEGIN
  UPDATE `workers` SET `status_tier` = (SELECT CASE WHEN h.`monitored` = 1 THEN 1 WHEN h.`poverty_alleviated` = 1 THEN 2 ELSE 3 END FROM `households` AS h WHERE h.`id` = NEW.`household_id`) WHERE `id` = NEW.`id`;
END;--> statement-breakpoint
CREATE TRIGGER `workers_status_tier_move` AFTER UPDATE OF `household_id` ON `workers` BEGIN
  UPDATE `workers` SET `status_tier` = (SELECT CASE WHEN h.`monitored` = 1 THEN 1 WHEN h.`poverty_alleviated` = 1 THEN 2 ELSE 3 END FROM `households` AS h WHERE h.`id` = NEW.`household_id`) WHERE `id` = NEW.`id`;
END;--> statement-breakpoint
CREATE TRIGGER `households_status_tier` AFTER UPDATE OF `monitored`, `poverty_alleviated` ON `households` BEGIN
  UPDATE `workers` SET `status_tier` = CASE WHEN NEW.`monitored` = 1 THEN 1 WHEN NEW.`poverty_alleviated` = 1 THEN 2 ELSE 3 END WHERE `household_id` = NEW.`id`;
END;
