import type { AppConfigShape } from '../config/config';
import { createApp } from '../app.factory';
import { createRootLogger } from '../common/logging/logger';
import { AuthService } from '../auth/auth.service';
import type { UserResponseDto } from '../users/dto/user-response.dto';
import { UsersService } from '../users/users.service';
import { validateDto } from '../common/validation/validate-dto';
import { RegisterDto } from '../auth/dto/auth.dto';

/** Creates a user through the same service and rules as registration, then promotes them if asked. */
export async function createUserFromCli(
  config: AppConfigShape,
  input: { email: string; password: string; admin: boolean; displayName?: string },
): Promise<UserResponseDto> {
  const app = await createApp(config, createRootLogger('warn'));
  try {
    await app.init();
    const dto = await validateDto(RegisterDto, {
      email: input.email,
      password: input.password,
      displayName: input.displayName,
    });
    const registered = await app.get(AuthService).register(dto, { userAgent: 'threadline-cli' });
    if (!input.admin) return registered.user;
    return await app.get(UsersService).update(registered.user.id, { role: 'admin' });
  } finally {
    await app.close();
  }
}
