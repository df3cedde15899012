import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { ROLES, type Role } from '../roles.js';
import type { UserEntity } from '../user.entity.js';

// One message per field whatever is wrong with it: `{}` gets "username is required; password is required".
const USERNAME_REQUIRED = { message: 'username is required (a string of at most 64 characters)' };
const PASSWORD_REQUIRED = { message: 'password is required (a string of at most 256 characters)' };

export class LoginRequest {
  @ApiProperty({ example: 'admin' })
  @IsString(USERNAME_REQUIRED)
  @IsNotEmpty(USERNAME_REQUIRED)
  @MaxLength(64, USERNAME_REQUIRED)
  username: string;

  @ApiProperty({ example: 'correct horse battery staple' })
  @IsString(PASSWORD_REQUIRED)
  @IsNotEmpty(PASSWORD_REQUIRED)
  @MaxLength(256, PASSWORD_REQUIRED)
  password: string;
}

export class UserResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  username: string;

  @ApiProperty({ enum: ROLES })
  role: Role;

  @ApiProperty()
  disabled: boolean;

  @ApiProperty()
  created_at: string;

  @ApiProperty({ nullable: true, type: String })
  last_login_at: string | null;
}

export class LoginResponse {
  @ApiProperty({ description: 'Bearer token for the Authorization header' })
  token: string;

  @ApiProperty({ description: 'When the token expires (ISO 8601)' })
  expires_at: string;

  @ApiProperty({ type: UserResponse })
  user: UserResponse;
}

export class CreateUserRequest {
  @ApiProperty({ example: 'alice', pattern: '^[A-Za-z0-9._@-]{3,64}$' })
  @IsString()
  @Matches(/^[A-Za-z0-9._@-]{3,64}$/, { message: 'username must be 3-64 letters, digits or . _ @ -' })
  username: string;

  @ApiProperty({ minLength: 8 })
  @IsString()
  @MinLength(8)
  @MaxLength(256)
  password: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role: Role;
}

export class UpdateUserRequest {
  @ApiProperty({ enum: ROLES, required: false })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;

  @ApiProperty({ required: false })
  @IsOptional()
  @IsIn([true, false], { message: 'disabled must be a boolean' })
  disabled?: boolean;

  @ApiProperty({ required: false, minLength: 8, description: 'Resets the password' })
  @IsOptional()
  @IsString()
  @MinLength(8)
  @MaxLength(256)
  password?: string;
}

export class ChangePasswordRequest {
  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  current_password: string;

  @ApiProperty({ minLength: 8 })
  @IsString()
  @MinLength(8)
  @MaxLength(256)
  new_password: string;
}

export function toUserResponse(user: UserEntity): UserResponse {
  return {
    id: user.id,
    username: user.username,
    role: user.role,
    disabled: user.disabled,
    created_at: user.createdAt.toISOString(),
    last_login_at: user.lastLoginAt?.toISOString() ?? null,
  };
}
