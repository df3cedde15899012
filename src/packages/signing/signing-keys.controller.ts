import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiEndpoint } from '../../auth/api-endpoint.decorator.js';
import { CurrentUser } from '../../auth/current-user.decorator.js';
import type { AuthenticatedUser } from '../../auth/roles.js';
import { AddSigningKeyRequest, SigningKeyResponse, toSigningKeyResponse } from '../dto/signing-key.dto.js';
import { SigningKeysService } from './signing-keys.service.js';

const idPipe = new ParseIntPipe({ errorHttpStatusCode: 400 });

@ApiTags('signing-keys')
@Controller('api/v1/signing-keys')
export class SigningKeysController {
  constructor(private readonly keys: SigningKeysService) {}

  @Get()
  @ApiEndpoint({ summary: 'The trusted OpenPGP signing keys', role: 'admin' })
  @ApiOkResponse({ type: [SigningKeyResponse] })
  async list(): Promise<SigningKeyResponse[]> {
    return (await this.keys.list()).map(toSigningKeyResponse);
  }

  @Get(':id')
  @ApiEndpoint({ summary: 'One trusted signing key', role: 'admin', errors: { 404: 'No such key' } })
  @ApiOkResponse({ type: SigningKeyResponse })
  async get(@Param('id', idPipe) id: number): Promise<SigningKeyResponse> {
    return toSigningKeyResponse(await this.keys.get(id));
  }

  @Post()
  @HttpCode(201)
  @ApiEndpoint({
    summary: 'Trust a public key (posting a trusted key again records its revocation or new expiry)',
    role: 'admin',
    errors: { 400: 'Not an armored public key, or a private key', 409: 'This key is trusted already, unchanged' },
  })
  @ApiCreatedResponse({ type: SigningKeyResponse })
  async add(@Body() body: AddSigningKeyRequest, @CurrentUser() user: AuthenticatedUser): Promise<SigningKeyResponse> {
    return toSigningKeyResponse(await this.keys.add(body.armored_key, user.id));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiEndpoint({ summary: 'Stop trusting a key', role: 'admin', errors: { 404: 'No such key' } })
  @ApiNoContentResponse({ description: 'The key is no longer trusted' })
  async delete(@Param('id', idPipe) id: number): Promise<void> {
    await this.keys.delete(id);
  }
}
