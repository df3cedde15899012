import { Module } from '@nestjs/common';
import { ServerInfoController } from './server-info.controller.js';
import { ServerInfoService } from './server-info.service.js';

/** GET /api/v1/server-info: what the console shows users about reaching this server. */
@Module({ controllers: [ServerInfoController], providers: [ServerInfoService] })
export class ServerInfoModule {}
