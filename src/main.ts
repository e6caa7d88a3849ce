#!/usr/bin/env node
/**
 * Entry point: parse the command line, start the server, shut down cleanly on
 * SIGINT/SIGTERM (stop accepting, finish in-flight commands, close shards, exit 0).
 */
import pino from 'pino';
import { parseArgs, UsageError, USAGE } from './cli';
import fs from 'node:fs';
import path from 'node:path';
import { Config } from './config/config';
import { ConfigFileError, parseConfigText, type Directive } from './config/config-file';
import { configParams } from './config/params';
import { Server } from './server';
import { commandTable } from './commands/table';
import { VERSION, REDIS_VERSION } from './version';

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`shardis-server: ${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    throw err;
  }
  if (parsed.kind === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (parsed.kind === 'version') {
    process.stdout.write(`Shardis ${VERSION} (Redis protocol ${REDIS_VERSION})\n`);
    return;
  }
  const values = parsed.values;
  const flagLevel = values.logLevel;
  const config = new Config(configParams, values);
  const configUsers: string[][] = [];
  try {
    const directives: Directive[] = [];
    // Redis reads the options as lines after the file's (its line numbers go on counting).
    let lineBase = 1;
    if (parsed.configFile !== null) {
      let text: string;
      try {
        text = fs.readFileSync(parsed.configFile, 'latin1');
      } catch (err) {
        process.stderr.write(`Fatal error, can't open config file '${parsed.configFile}': ${(err as Error).message}\n`);
        process.exit(1);
      }
      directives.push(...parseConfigText(text));
      lineBase = text.split('\n').length;
      config.configFile = path.resolve(parsed.configFile);
    }
    const afterInclude = directives.some((d) => d.afterInclude === true) || /^\s*include\s/im.test(parsed.configFile === null ? '' : fs.readFileSync(parsed.configFile, 'latin1'));
    directives.push(...parseConfigText(parsed.options, 0, lineBase).map((d) => ({ ...d, afterInclude: afterInclude || d.afterInclude })));
    // Directives that are not parameters: command renames apply now, users when the server starts.
    config.registerDirective('rename-command', (args) => {
      if (args.length !== 2) return 'Bad directive or wrong number of arguments';
      return commandTable.rename(args[0], args[1]) ? null : 'No such command in rename-command';
    });
    config.registerDirective('user', (args) => {
      if (args.length < 1) return 'Bad directive or wrong number of arguments';
      configUsers.push(args);
      return null;
    });
    config.loadDirectives(directives);
  } catch (err) {
    if (err instanceof ConfigFileError) {
      process.stderr.write(err.report(REDIS_VERSION));
      process.exit(1);
    }
    throw err;
  }
  if (parsed.logLevelFlag) values.logLevel = flagLevel;
  // logfile: '' logs to stdout, as Redis; shards append to the same file (workers/shard.ts).
  const logfile = config.get('logfile') as string;
  let dest: pino.DestinationStream;
  try {
    dest = pino.destination(logfile === '' ? { dest: 1, sync: true } : { dest: logfile, append: true, sync: true });
  } catch (err) {
    process.stderr.write(`Can't open the log file: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const log = pino({ level: values.logLevel, base: { pid: process.pid } }, dest);
  if (config.get('always-show-logo') === 'yes') log.info(LOGO);
  // set-proc-title: "shardis-server host:port" in ps/top instead of the node command line (Redis's default title template).
  if (config.get('set-proc-title') === 'yes') process.title = `shardis-server ${values.bind}:${values.port}`;
  const server = new Server(config, log);
  // A bug that escapes every handler: log the crash report (crash-log-enabled) and exit, as Redis's bug report.
  process.on('uncaughtException', (err) => {
    if (server.config.get('crash-log-enabled') === 'yes') {
      log.fatal({ err, connectedClients: server.connections.size, uptimeSeconds: Math.round(process.uptime()) }, '=== SHARDIS BUG REPORT START: Cut & paste starting from here ===');
    } else {
      log.fatal('Shardis crashed (crash-log-enabled no: no crash report)');
    }
    log.flush();
    process.exit(1);
  });
  server.configUsers = configUsers;
  const onSignal = (sig: string): void => {
    log.info({ signal: sig }, 'received signal');
    // shutdown-on-sigterm / shutdown-on-sigint: default saves when save points are set.
    const how = server.config.get(sig === 'SIGINT' ? 'shutdown-on-sigint' : 'shutdown-on-sigterm') as string;
    const mode = how === 'save' ? 'save' : how === 'nosave' ? 'nosave' : 'default';
    void server.shutdownSave(mode).then((ok) => {
      if (ok || how === 'force') void server.close(sig);
      else {
        // As Redis: a failed save cancels the shutdown; the next signal tries again.
        process.once(sig as NodeJS.Signals, onSignal);
      }
    });
  };
  // A rejected promise nobody awaited is a bug in one request's handling; log
  // it loudly rather than take every client's data down with the process.
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled promise rejection'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await server.start();
  } catch (err) {
    log.fatal({ err }, 'could not start');
    process.exit(1);
  }
  await server.stopped;
  log.flush();
  process.exit(server.exitCode);
}

/** always-show-logo: shown once at start, as Redis's ASCII logo. */
const LOGO = [
  '',
  '   ____  _                   _ _',
  '  / ___|| |__   __ _ _ __ __| (_)___',
  '  \\___ \\| \'_ \\ / _` | \'__/ _` | / __|   Shardis, speaking the Redis protocol',
  '   ___) | | | | (_| | | | (_| | \\__ \\',
  '  |____/|_| |_|\\__,_|_|  \\__,_|_|___/',
  '',
].join('\n');

void main();
