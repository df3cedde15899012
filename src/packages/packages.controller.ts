import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseIntPipe,
  Post,
  Put,
  Query,
  Req,
  Res,
  UploadedFiles,
  UseInterceptors,
} from '@nestjs/common';
import { FileFieldsInterceptor } from '@nestjs/platform-express';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiEndpoint } from '../auth/api-endpoint.decorator.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import type { AuthenticatedUser } from '../auth/roles.js';
import { setPageHeaders } from '../common/pagination.js';
import { requestIdOf } from '../common/request-id.js';
import { downloadHeaders, sendDownload } from './download-response.js';
import {
  LatestPackageQuery,
  ListPackagesQuery,
  PackageResponse,
  PackageStatsResponse,
  StatsQuery,
  toPackageDownloadStats,
  toPackageResponse,
  SignPackageRequest,
  UploadPackageFields,
  UploadPackageRequest,
} from './dto/package.dto.js';
import { decodeSignatureText } from './package-rules.js';
import { InvalidPackageUpload } from './packages.errors.js';
import type { StoredPackageFile } from './package-upload.storage.js';
import { PackagesService } from './packages.service.js';

interface UploadedPackageFiles {
  file?: StoredPackageFile[];
  signature?: StoredPackageFile[];
}

const idPipe = new ParseIntPipe({ errorHttpStatusCode: 400 });

@ApiTags('packages')
@Controller('api/v1/packages')
export class PackagesController {
  constructor(private readonly packages: PackagesService) {}

  @Post()
  @HttpCode(201)
  @ApiEndpoint({
    summary: 'Upload a package (multipart: file, name, version, platform, arch, description, checksum, signature)',
    role: 'operator',
    errors: {
      400: 'A field is missing or invalid (the message names it)',
      409: 'This name, version, platform and arch exist already',
      413: 'The file exceeds PACKAGE_MAX_BYTES',
      422: 'The file does not match the checksum sent, or PACKAGE_SIGNATURE_POLICY=require and it is not validly signed',
    },
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: UploadPackageRequest })
  @ApiCreatedResponse({ type: PackageResponse })
  @UseInterceptors(
    FileFieldsInterceptor([
      { name: 'file', maxCount: 1 },
      { name: 'signature', maxCount: 1 },
    ]),
  )
  async upload(
    @Body() fields: UploadPackageFields,
    @UploadedFiles() files: UploadedPackageFiles | undefined,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<PackageResponse> {
    const pkg = await this.packages.create(fields, files?.file?.[0], files?.signature?.[0], user.id);
    return toPackageResponse(pkg);
  }

  @Put(':id/signature')
  @ApiEndpoint({
    summary: 'Sign a stored package: the detached signature is checked against the stored file and replaces any other',
    role: 'operator',
    errors: {
      400: 'The signature is neither armored nor base64',
      404: 'No such package',
      422: 'PACKAGE_SIGNATURE_POLICY=require and the signature does not check out (the package keeps its old one)',
    },
  })
  @ApiOkResponse({ type: PackageResponse })
  async sign(@Param('id', idPipe) id: number, @Body() body: SignPackageRequest): Promise<PackageResponse> {
    const signature = decodeSignatureText(body.signature);
    if (!signature) {
      throw new InvalidPackageUpload('signature must be armored text or base64 of the binary signature');
    }
    return toPackageResponse(await this.packages.sign(id, signature));
  }

  @Get()
  @ApiEndpoint({ summary: 'List packages, by name and then newest version first' })
  @ApiOkResponse({ type: [PackageResponse] })
  async list(
    @Query() query: ListPackagesQuery,
    @Res({ passthrough: true }) response: Response,
  ): Promise<PackageResponse[]> {
    const { name, platform, arch } = query;
    const page = await this.packages.list({ name, platform, arch }, query.offset, query.page_size);
    setPageHeaders(response, query, page.total);
    return page.items.map(toPackageResponse);
  }

  @Get('latest')
  @ApiEndpoint({ summary: 'The highest version of a package (semver precedence)', errors: { 404: 'No such package' } })
  @ApiOkResponse({ type: PackageResponse })
  async latest(@Query() query: LatestPackageQuery): Promise<PackageResponse> {
    const { name, platform, arch } = query;
    return toPackageResponse(await this.packages.latest({ name, platform, arch }, query.include_prerelease ?? false));
  }

  @Get('stats')
  @ApiEndpoint({ summary: 'Download counts per package and the storage used' })
  @ApiOkResponse({ type: PackageStatsResponse })
  async stats(@Query() query: StatsQuery): Promise<PackageStatsResponse> {
    const { totals, packages } = await this.packages.stats(query.top);
    return {
      total_packages: totals.count,
      total_bytes: totals.totalBytes,
      total_downloads: totals.totalDownloads,
      packages: packages.map(toPackageDownloadStats),
    };
  }

  @Get(':id')
  @ApiEndpoint({ summary: 'One package', errors: { 400: 'The id is not an integer', 404: 'No such package' } })
  @ApiOkResponse({ type: PackageResponse })
  async get(@Param('id', idPipe) id: number): Promise<PackageResponse> {
    return toPackageResponse(await this.packages.get(id));
  }

  @Get(':id/download')
  @ApiEndpoint({
    summary: 'Download the file (streamed; supports Range, If-Range and If-None-Match with the checksum as ETag)',
    errors: { 304: 'Not modified', 400: 'The id is not an integer', 404: 'No such package', 416: 'Bad range' },
  })
  // The content type on the 200 only (ApiProduces would also put the error bodies under it).
  @ApiOkResponse({
    description: 'The file',
    content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
  })
  async download(@Param('id', idPipe) id: number, @Req() request: Request, @Res() response: Response): Promise<void> {
    const plan = await this.packages.planDownload(id, downloadHeaders(request));
    const delivered = await sendDownload(request, response, plan, requestIdOf(request));
    if (delivered && plan.completesFile) {
      await this.packages.recordDownload(id);
    }
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiEndpoint({
    summary: 'Delete a package: its file and its row',
    role: 'admin',
    errors: { 400: 'The id is not an integer', 404: 'No such package' },
  })
  async delete(@Param('id', idPipe) id: number): Promise<void> {
    await this.packages.delete(id);
  }
}
