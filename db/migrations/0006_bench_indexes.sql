DROP INDEX `openings_grid_idx`;--> statement-breakpoint
CREATE INDEX `openings_kind_area_idx` ON `openings` (`kind`,`area_code`,`created_at`,`status`,`updated_at`,`closing_date`,`slots`);--> statement-breakpoint
CREATE INDEX `openings_grid_idx` ON `openings` (`status`,`cell`,`area_code`,`lat`,`lon`,`hours`,`kind`,`poverty_only`,`closing_date`,`serves`,`skills`);--> statement-breakpoint
DROP INDEX `placements_home_area_idx`;--> statement-breakpoint
CREATE INDEX `placements_type_scope_idx` ON `placements` (`type`,`scope`,`home_area_code`,`start_date`,`end_date`);--> statement-breakpoint
CREATE INDEX `placements_start_idx` ON `placements` (`start_date`,`home_area_code`,`end_date`);--> statement-breakpoint
CREATE INDEX `placements_end_idx` ON `placements` (`end_date`,`home_area_code`,`start_date`);--> statement-breakpoint
CREATE INDEX `placements_opening_idx` ON `placements` (`opening_id`,`start_date`,`end_date`);--> statement-breakpoint
CREATE INDEX `placements_home_area_idx` ON `placements` (`home_area_code`,`worker_id`,`start_date`,`end_date`,`type`,`scope`);--> statement-breakpoint
DROP INDEX `workers_area_idx`;--> statement-breakpoint
DROP INDEX `workers_grid_idx`;--> statement-breakpoint
CREATE INDEX `workers_created_idx` ON `workers` (`created_at`,`area_code`);--> statement-breakpoint
CREATE INDEX `workers_area_idx` ON `workers` (`area_code`,`created_at`);--> statement-breakpoint
CREATE INDEX `workers_grid_idx` ON `workers` (`reach_band`,`cell`,`area_code`,`home_lat`,`home_lon`,`max_distance_km`,`household_id`,`cannot_leave_home`,`availability`,`erased_at`,`able_to_work`) WHERE erased_at IS NULL AND able_to_work = 1;