CREATE TABLE `console_sessions` (
	`id_hash` text PRIMARY KEY NOT NULL,
	`token_id` integer NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`ended_at` text,
	FOREIGN KEY (`token_id`) REFERENCES `api_tokens`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `console_sessions_token_idx` ON `console_sessions` (`token_id`);--> statement-breakpoint
CREATE TABLE `public_notice_entries` (
	`notice_id` text NOT NULL,
	`worker_id` integer NOT NULL,
	`household_id` integer NOT NULL,
	PRIMARY KEY(`notice_id`, `worker_id`),
	FOREIGN KEY (`notice_id`) REFERENCES `public_notices`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`worker_id`) REFERENCES `workers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`household_id`) REFERENCES `households`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `public_notice_entries_household_idx` ON `public_notice_entries` (`household_id`);--> statement-breakpoint
CREATE TABLE `public_notices` (
	`id` text PRIMARY KEY NOT NULL,
	`opening_id` integer NOT NULL,
	`area_code` text NOT NULL,
	`start_date` text NOT NULL,
	`end_date` text NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`created_by_token_id` integer,
	`created_at` text NOT NULL,
	`finalised_at` text,
	FOREIGN KEY (`opening_id`) REFERENCES `openings`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by_token_id`) REFERENCES `api_tokens`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `public_notices_opening_idx` ON `public_notices` (`opening_id`,`status`);--> statement-breakpoint
CREATE INDEX `public_notices_area_idx` ON `public_notices` (`area_code`,`status`);