import { ApiProperty } from '@nestjs/swagger';

/** What the console needs to know about this server to tell users how to reach it. */
export class ServerInfoResponse {
  @ApiProperty({ example: '0.1.0', description: "The platform's version" })
  version: string;

  @ApiProperty({
    example: 'ws://opamp.example.com:4320/v1/opamp',
    description: 'The URL agents connect to over WebSocket',
  })
  opamp_ws_url: string;

  @ApiProperty({ example: 'http://opamp.example.com:4320/v1/opamp', description: 'The same endpoint for HTTP polling' })
  opamp_http_url: string;

  @ApiProperty({
    enum: ['OPAMP_PUBLIC_URL', 'request'],
    description:
      'OPAMP_PUBLIC_URL: the operator set it (package download URLs use it too). request: the host this ' +
      'request reached, on OPAMP_PORT — a guess that is wrong when agents reach the server by another address.',
  })
  opamp_url_source: 'OPAMP_PUBLIC_URL' | 'request';
}
