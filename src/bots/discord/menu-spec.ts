/**
 * Discord's message context-menu commands (type 3, under Apps when right-clicking a message). They
 * belong to Discord alone, so they live with its adapter rather than among the platform-neutral specs.
 * Their names may hold spaces and capitals, up to 32 characters, and they have no description.
 */
export interface MessageMenuSpec {
  /** Its catalogue path is `menu.<key>` (the translated names). */
  readonly key: string;
  /** The name Discord shows and sends back in the interaction's `data.name`. */
  readonly name: string;
}

/** Edit the images of any message: opens a prompt form, then runs an edit on them. */
export const EDIT_MESSAGE_MENU_NAME = 'Edit with Nano Banana';

export const EDIT_MESSAGE_MENU: MessageMenuSpec = { key: 'edit', name: EDIT_MESSAGE_MENU_NAME };

export const MESSAGE_MENU_SPECS: readonly MessageMenuSpec[] = [EDIT_MESSAGE_MENU];

/** The catalogue path of a menu command's translated name. */
export function menuPath(spec: MessageMenuSpec): string {
  return `menu.${spec.key}`;
}
