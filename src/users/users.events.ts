/** Domain events of the users module; other modules listen, users never calls them. */
export const USER_DEACTIVATED = 'user.deactivated';

export interface UserDeactivatedEvent {
  userId: string;
}
