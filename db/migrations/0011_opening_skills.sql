CREATE TABLE `opening_skills` (
	`opening_id` integer NOT NULL,
	`code` text NOT NULL,
	`status` text NOT NULL,
	`cell` integer,
	FOREIGN KEY (`opening_id`) REFERENCES `openings`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `opening_skills_code_idx` ON `opening_skills` (`code`,`status`,`cell`,`opening_id`);--> statement-breakpoint
CREATE INDEX `opening_skills_opening_idx` ON `opening_skills` (`opening_id`);--> statement-breakpoint
-- Each code an opening wants, with its status and cell. Kept by the triggers below.
INSERT INTO `opening_skills` (`opening_id`, `code`, `status`, `cell`) SELECT DISTINCT o.`id`, j.`value`, o.`status`, o.`cell` FROM `openings` AS o, json_each(o.`skills`) AS j;--> statement-breakpoint
CREATE TRIGGER `openings_skills_insert` AFTER INSERT ON `openings` BEGIN
  INSERT INTO `opening_skills` (`opening_id`, `code`, `status`, `cell`) SELECT DISTINCT NEW.`id`, j.`value`, NEW.`status`, NEW.`cell` FROM json_each(NEW.`skills`) AS j;
END;--> statement-breakpoint
CREATE TRIGGER `openings_skills_update` AFTER UPDATE OF `skills`, `status`, `lat`, `lon` ON `openings` BEGIN
  DELETE FROM `opening_skills` WHERE `opening_id` = OLD.`id`;
  INSERT INTO `opening_skills` (`opening_id`, `code`, `status`, `cell`) SELECT DISTINCT NEW.`id`, j.`value`, NEW.`status`, NEW.`cell` FROM json_each(NEW.`skills`) AS j;
END;--> statement-breakpoint
CREATE TRIGGER `openings_skills_delete` BEFORE DELETE ON `openings` BEGIN
  DELETE FROM `opening_skills` WHERE `opening_id` = OLD.`id`;
END;
