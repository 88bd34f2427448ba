// Reading a config from an http(s) URL, bounded. Whoever serves the URL may accept and say
// nothing, send a byte now and then, or send without end; the build must neither wait forever
// nor hold gigabytes. Through the registry transport (its silence watchdog,
// $LINUXKIT_REGISTRY_TIMEOUT), with a cap on the whole fetch and on the size, checked while reading.
import { UserError } from '../util/index.js';
import { ENV_REGISTRY_TIMEOUT, NetworkError, readBody, seconds, StalledError, Transport } from '../oci/index.js';

/** Bytes a remote config may have: far above any real one (examples are a few kB). */
export const MAX_REMOTE_CONFIG_BYTES = 16 * 1024 * 1024;
/**
 * The whole fetch may take this many silence limits (2 minutes by default): the watchdog alone
 * would let a server that sends a byte every few seconds hold the build for ever.
 */
const WHOLE_FETCH_SILENCES = 4;

/** The body at `url`, or a UserError naming the URL and the limit it broke. */
export async function fetchRemoteConfig(url: string): Promise<Buffer> {
  const what = `cannot fetch remote yaml file ${url}`;
  // One attempt, as before: a retry would only stretch the wait the limits bound.
  const transport = new Transport({ attempts: 1 });
  const wholeMs = WHOLE_FETCH_SILENCES * transport.timeout;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new UserError(`${what}: not complete after ${seconds(wholeMs)} (${WHOLE_FETCH_SILENCES} × ${ENV_REGISTRY_TIMEOUT}, ${seconds(transport.timeout)})`),
        ),
      wholeMs,
    );
  });
  try {
    return await Promise.race([fetchBody(transport, url, what), deadline]);
  } finally {
    clearTimeout(timer);
    // Ends a request the deadline overtook: the agents destroy the sockets still in use.
    transport.close();
  }
}

async function fetchBody(transport: Transport, url: string, what: string): Promise<Buffer> {
  const tooLarge = `${what}: larger than ${MAX_REMOTE_CONFIG_BYTES / 1024 / 1024} MiB, the limit for a config`;
  try {
    const res = await transport.send({ method: 'GET', url: new URL(url) });
    if (res.status < 200 || res.status > 299) {
      res.body.resume();
      throw new UserError(`${what}: HTTP ${res.status} ${res.statusText}`.trimEnd());
    }
    if (Number(res.headers['content-length']) > MAX_REMOTE_CONFIG_BYTES) {
      res.body.destroy();
      throw new UserError(tooLarge);
    }
    return await readBody(res, MAX_REMOTE_CONFIG_BYTES, tooLarge);
  } catch (e) {
    if (e instanceof StalledError) {
      throw new UserError(`${what}: the server sent nothing for ${seconds(e.ms)} (set ${ENV_REGISTRY_TIMEOUT}=SECONDS to wait longer)`);
    }
    // The transport's message starts with the method and URL, which `what` already names.
    if (e instanceof NetworkError) throw new UserError(`${what}: ${e.message.replace(`GET ${new URL(url).href}: `, '')}`);
    throw e;
  }
}
