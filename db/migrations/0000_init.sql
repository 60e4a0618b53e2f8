CREATE TABLE `api_tokens` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`token_hash` text NOT NULL,
	`role` text NOT NULL,
	`area_prefix` text,
	`employer_id` integer,
	`label` text,
	`created_at` text NOT NULL,
	`revoked_at` text,
	FOREIGN KEY (`employer_id`) REFERENCES `employers`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "api_tokens_scope_ck" CHECK(("api_tokens"."role" = 'admin') OR ("api_tokens"."role" = 'staff' AND "api_tokens"."area_prefix" IS NOT NULL) OR ("api_tokens"."role" = 'employer' AND "api_tokens"."employer_id" IS NOT NULL))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_hash_uq` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE TABLE `applications` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`worker_id` integer NOT NULL,
	`opening_id` integer NOT NULL,
	`state` text NOT NULL,
	`reason` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`worker_id`) REFERENCES `workers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`opening_id`) REFERENCES `openings`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `applications_worker_opening_uq` ON `applications` (`worker_id`,`opening_id`);--> statement-breakpoint
CREATE INDEX `applications_opening_idx` ON `applications` (`opening_id`,`state`);--> statement-breakpoint
CREATE INDEX `applications_state_updated_idx` ON `applications` (`state`,`updated_at`);--> statement-breakpoint
CREATE TABLE `areas` (
	`code` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`parent` text,
	`level` text NOT NULL,
	`lat` real,
	`lon` real
);
--> statement-breakpoint
CREATE INDEX `areas_parent_idx` ON `areas` (`parent`,`code`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` text NOT NULL,
	`actor_token_id` integer,
	`actor_role` text NOT NULL,
	`action` text NOT NULL,
	`object_type` text,
	`object_id` text,
	`outcome` text NOT NULL,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `audit_object_idx` ON `audit_log` (`object_type`,`object_id`);--> statement-breakpoint
CREATE INDEX `audit_at_idx` ON `audit_log` (`at`);--> statement-breakpoint
CREATE TABLE `bot_sessions` (
	`chat_id` text PRIMARY KEY NOT NULL,
	`state` text NOT NULL,
	`language` text,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `employers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`area_code` text NOT NULL,
	`lat` real,
	`lon` real,
	`contact` text DEFAULT '{}' NOT NULL,
	`verified` integer DEFAULT false NOT NULL,
	`certified` integer DEFAULT false NOT NULL,
	`certified_at` text,
	`telegram_chat_id` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`area_code`) REFERENCES `areas`(`code`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `employers_area_idx` ON `employers` (`area_code`);--> statement-breakpoint
CREATE UNIQUE INDEX `employers_telegram_uq` ON `employers` (`telegram_chat_id`);--> statement-breakpoint
CREATE TABLE `households` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`area_code` text NOT NULL,
	`poverty_alleviated` integer DEFAULT false NOT NULL,
	`monitored` integer DEFAULT false NOT NULL,
	`source_id` text,
	`income_at_minimum_since` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`area_code`) REFERENCES `areas`(`code`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `households_source_id_uq` ON `households` (`source_id`);--> statement-breakpoint
CREATE INDEX `households_area_idx` ON `households` (`area_code`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`actor` text NOT NULL,
	`key` text NOT NULL,
	`method` text NOT NULL,
	`path` text NOT NULL,
	`body_hash` text NOT NULL,
	`status` integer,
	`response` text,
	`created_at` text NOT NULL,
	PRIMARY KEY(`actor`, `key`)
);
--> statement-breakpoint
CREATE TABLE `link_codes` (
	`code_hash` text PRIMARY KEY NOT NULL,
	`worker_id` integer,
	`employer_id` integer,
	`expires_at` text NOT NULL,
	`used_at` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`worker_id`) REFERENCES `workers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`employer_id`) REFERENCES `employers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `openings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`employer_id` integer NOT NULL,
	`title` text NOT NULL,
	`kind` text NOT NULL,
	`serves` text DEFAULT 'none' NOT NULL,
	`area_code` text NOT NULL,
	`lat` real,
	`lon` real,
	`slots` integer NOT NULL,
	`slots_filled` integer DEFAULT 0 NOT NULL,
	`wage_amount` real NOT NULL,
	`wage_period` text NOT NULL,
	`hours` text NOT NULL,
	`skills` text DEFAULT '[]' NOT NULL,
	`poverty_only` integer DEFAULT false NOT NULL,
	`start_date` text,
	`closing_date` text,
	`status` text DEFAULT 'open' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`employer_id`) REFERENCES `employers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`area_code`) REFERENCES `areas`(`code`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "openings_slots_ck" CHECK("openings"."slots" >= 1 AND "openings"."slots_filled" >= 0 AND "openings"."slots_filled" <= "openings"."slots")
);
--> statement-breakpoint
CREATE INDEX `openings_status_point_idx` ON `openings` (`status`,`lat`,`lon`);--> statement-breakpoint
CREATE INDEX `openings_area_idx` ON `openings` (`area_code`);--> statement-breakpoint
CREATE INDEX `openings_employer_idx` ON `openings` (`employer_id`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`chat_id` text,
	`worker_id` integer,
	`employer_id` integer,
	`staff_token_id` integer,
	`kind` text NOT NULL,
	`dedupe_key` text,
	`payload` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`not_before` text NOT NULL,
	`last_error` text,
	`created_at` text NOT NULL,
	`sent_at` text,
	FOREIGN KEY (`worker_id`) REFERENCES `workers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`employer_id`) REFERENCES `employers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`staff_token_id`) REFERENCES `api_tokens`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_dedupe_uq` ON `outbox` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `outbox_due_idx` ON `outbox` (`status`,`not_before`);--> statement-breakpoint
CREATE TABLE `placements` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`worker_id` integer NOT NULL,
	`household_id` integer NOT NULL,
	`home_area_code` text NOT NULL,
	`opening_id` integer,
	`application_id` integer,
	`type` text NOT NULL,
	`area_code` text,
	`lat` real,
	`lon` real,
	`scope` text NOT NULL,
	`start_date` text NOT NULL,
	`end_date` text,
	`end_reason` text,
	`contract_months` integer,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`worker_id`) REFERENCES `workers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`household_id`) REFERENCES `households`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`opening_id`) REFERENCES `openings`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`application_id`) REFERENCES `applications`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `placements_worker_idx` ON `placements` (`worker_id`,`end_date`);--> statement-breakpoint
CREATE INDEX `placements_household_idx` ON `placements` (`household_id`,`end_date`);--> statement-breakpoint
CREATE INDEX `placements_home_area_idx` ON `placements` (`home_area_code`,`start_date`,`end_date`,`type`,`scope`);--> statement-breakpoint
CREATE UNIQUE INDEX `placements_application_uq` ON `placements` (`application_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `placements_one_pw_per_worker_uq` ON `placements` (`worker_id`) WHERE type = 'public_welfare' AND end_date IS NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `placements_one_pw_per_household_uq` ON `placements` (`household_id`) WHERE type = 'public_welfare' AND end_date IS NULL;--> statement-breakpoint
CREATE TABLE `telegram_updates` (
	`update_id` integer PRIMARY KEY NOT NULL,
	`chat_id` text,
	`payload` text NOT NULL,
	`status` text DEFAULT 'received' NOT NULL,
	`received_at` text NOT NULL,
	`handled_at` text
);
--> statement-breakpoint
CREATE INDEX `telegram_updates_chat_idx` ON `telegram_updates` (`chat_id`,`status`,`update_id`);--> statement-breakpoint
CREATE TABLE `workers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`household_id` integer NOT NULL,
	`area_code` text NOT NULL,
	`name` text,
	`phone` text,
	`home_lat` real,
	`home_lon` real,
	`max_distance_km` real DEFAULT 5 NOT NULL,
	`cannot_leave_home` integer DEFAULT false NOT NULL,
	`care_for` text DEFAULT '[]' NOT NULL,
	`skills` text DEFAULT '[]' NOT NULL,
	`availability` text DEFAULT 'full_day' NOT NULL,
	`languages` text DEFAULT '[]' NOT NULL,
	`able_to_work` integer DEFAULT true NOT NULL,
	`telegram_chat_id` text,
	`language` text DEFAULT 'zh' NOT NULL,
	`alerts_enabled` integer DEFAULT true NOT NULL,
	`unreachable` integer DEFAULT false NOT NULL,
	`consent_at` text,
	`sensitive_consent_at` text,
	`source_id` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`erased_at` text,
	FOREIGN KEY (`household_id`) REFERENCES `households`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`area_code`) REFERENCES `areas`(`code`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "workers_max_distance_ck" CHECK("workers"."max_distance_km" > 0)
);
--> statement-breakpoint
CREATE INDEX `workers_household_idx` ON `workers` (`household_id`);--> statement-breakpoint
CREATE INDEX `workers_area_idx` ON `workers` (`area_code`);--> statement-breakpoint
CREATE INDEX `workers_home_idx` ON `workers` (`home_lat`,`home_lon`);--> statement-breakpoint
CREATE UNIQUE INDEX `workers_telegram_uq` ON `workers` (`telegram_chat_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `workers_source_id_uq` ON `workers` (`source_id`);--> statement-breakpoint
CREATE TABLE `zero_employment_periods` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`household_id` integer NOT NULL,
	`area_code` text NOT NULL,
	`start_date` text NOT NULL,
	`end_date` text,
	FOREIGN KEY (`household_id`) REFERENCES `households`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `zero_periods_household_idx` ON `zero_employment_periods` (`household_id`);--> statement-breakpoint
CREATE INDEX `zero_periods_area_idx` ON `zero_employment_periods` (`area_code`,`start_date`,`end_date`);