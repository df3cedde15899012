import { Controller, Delete, Head, Options, Patch, Post, Req, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiEndpoint } from '../../auth/api-endpoint.decorator.js';
import { PackageUploadsService } from './package-uploads.service.js';

const TUS = 'tus 1.0.0 (https://tus.io/protocols/resumable-upload)';

/**
 * Resumable uploads: each route hands the raw request to the tus server, after the global guard
 * has authenticated the caller and checked the operator role like any other upload.
 */
@ApiTags('uploads')
@Controller('api/v1/uploads')
export class UploadsController {
  constructor(private readonly uploads: PackageUploadsService) {}

  @Options()
  @ApiEndpoint({
    summary: `Capabilities of the ${TUS} endpoint (Tus-Version, Tus-Extension, Tus-Max-Size)`,
    role: 'operator',
  })
  @ApiNoContentResponse({ description: 'The tus versions, extensions and limits (Tus-* headers)' })
  async options(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.uploads.handle(req, res);
  }

  @Post()
  @ApiEndpoint({
    summary:
      `Start a resumable package upload (${TUS}, creation): Upload-Length, and Upload-Metadata with the ` +
      'multipart names (filename, name, version, platform, arch, description, checksum, signature); 201 + Location',
    role: 'operator',
    errors: { 400: 'A field is missing or invalid', 409: 'This package exists already', 413: 'Over PACKAGE_MAX_BYTES' },
  })
  @ApiCreatedResponse({ description: 'Upload created: its URL in Location' })
  async create(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.uploads.handle(req, res);
  }

  @Head(':id')
  @ApiEndpoint({
    summary: 'Where an upload stands (Upload-Offset to resume from)',
    role: 'operator',
    errors: { 404: 'No such upload (finished, refused or expired)' },
  })
  @ApiOkResponse({ description: 'The stored offset in Upload-Offset (and Upload-Length)' })
  async offset(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.uploads.handle(req, res);
  }

  @Patch(':id')
  @ApiEndpoint({
    summary:
      'Send bytes from Upload-Offset (application/offset+octet-stream). The last one registers the package ' +
      '(Upload-Package-Id) with the same checks as a multipart upload; a refusal removes the upload',
    role: 'operator',
    errors: {
      404: 'No such upload',
      409: 'Upload-Offset is not where the upload stands, or the package exists already',
      410: 'The upload expired',
      422: 'Checksum mismatch, or PACKAGE_SIGNATURE_POLICY=require and not validly signed',
    },
  })
  @ApiNoContentResponse({
    description: 'Bytes stored: the new Upload-Offset; on the last piece, the package id in Upload-Package-Id',
  })
  async write(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.uploads.handle(req, res);
  }

  @Delete(':id')
  @ApiEndpoint({
    summary: 'Abandon an upload and remove what it stored (termination)',
    role: 'operator',
    errors: { 404: 'No such upload' },
  })
  @ApiNoContentResponse({ description: 'Upload removed with its stored parts' })
  async terminate(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.uploads.handle(req, res);
  }
}
