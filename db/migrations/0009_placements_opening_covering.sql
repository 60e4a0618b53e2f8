DROP INDEX `placements_opening_idx`;--> statement-breakpoint
CREATE INDEX `placements_opening_idx` ON `placements` (`opening_id`,`start_date`,`end_date`,`household_id`,`worker_id`);