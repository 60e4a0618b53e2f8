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
-- hand-written below
-- A filing is never changed or removed: closing again adds a row.
CREATE TRIGGER `closings_no_update` BEFORE UPDATE ON `closings`
BEGIN SELECT RAISE(ABORT, 'closings are append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `closings_no_delete` BEFORE DELETE ON `closings`
BEGIN SELECT RAISE(ABORT, 'closings are append-only'); END;
