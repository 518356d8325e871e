/** Domain events of the users module; other modules listen, users never calls them. */
export const USER_DEACTIVATED = 'user.deactivated';

export interface UserDeactivatedEvent {
  userId: string;
}

/** An administrator changed a user's role or status (after the change is stored). */
export const USER_UPDATED = 'user.updated';

export interface UserUpdatedEvent {
  userId: string;
}
