CREATE TABLE `opening_changes` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`opening_id` integer NOT NULL
);
--> statement-breakpoint
-- Every change to an opening, whichever connection makes it (see services/opening-catalogue.ts).
CREATE TRIGGER `openings_changes_insert` AFTER INSERT ON `openings` BEGIN
  INSERT INTO `opening_changes` (`opening_id`) VALUES (NEW.`id`);
END;--> statement-breakpoint
CREATE TRIGGER `openings_changes_update` AFTER UPDATE ON `openings` BEGIN
  INSERT INTO `opening_changes` (`opening_id`) VALUES (NEW.`id`);
END;--> statement-breakpoint
CREATE TRIGGER `openings_changes_delete` AFTER DELETE ON `openings` BEGIN
  INSERT INTO `opening_changes` (`opening_id`) VALUES (OLD.`id`);
END;--> statement-breakpoint
-- The catalogue shows each open opening with its employer's name.
CREATE TRIGGER `employers_changes_name` AFTER UPDATE OF `name` ON `employers` BEGIN
  INSERT INTO `opening_changes` (`opening_id`) SELECT `id` FROM `openings` WHERE `employer_id` = NEW.`id` AND `status` = 'open';
END;
