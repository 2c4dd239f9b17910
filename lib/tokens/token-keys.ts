/**
 * Turns the `tokenKey` / `previousTokenKeys` options into KeyObjects once, at construction:
 * jsonwebtoken signs and verifies HS256 about 35x faster with a KeyObject than with a string.
 */
import { KeyObject, createPrivateKey, createPublicKey, createSecretKey } from 'node:crypto';
import { optionError } from '../config/option-problems.ts';

/** Key problems: the key is never echoed. */
function fail(option: string, message: string): never {
  return optionError(option, 'invalid-value', message);
}

/** JWT algorithms the library accepts. `none` is never among them. */
export type TokenAlgorithm = 'HS256' | 'HS384' | 'HS512' | 'RS256' | 'RS384' | 'RS512' | 'ES256' | 'ES384' | 'ES512' | 'PS256';

/** Key bytes: a string (UTF-8), a Buffer, or a Node.js KeyObject. */
export type KeyMaterial = string | Buffer | KeyObject;

/**
 * A signing or verification key. A bare string, Buffer or secret KeyObject is an HS256 secret of
 * at least 32 bytes. An object names the algorithm and either a `secret` or a key pair; a
 * verification-only (retired) asymmetric key may carry just the `publicKey`.
 */
export type TokenKeyInput =
  | KeyMaterial
  | {
      /** Key id, written to the token header. Required when more than one key is configured. */
      readonly kid?: string;
      readonly algorithm?: TokenAlgorithm;
      readonly secret?: KeyMaterial;
      readonly privateKey?: KeyMaterial;
      readonly publicKey?: KeyMaterial;
    };

/** A key ready for jsonwebtoken. */
export interface ResolvedTokenKey {
  readonly kid: string | undefined;
  readonly algorithm: TokenAlgorithm;
  /** Null for a verification-only key. */
  readonly signingKey: KeyObject | null;
  readonly verificationKey: KeyObject;
}

const MIN_SECRET_BYTES = 32;
const HMAC = new Set<TokenAlgorithm>(['HS256', 'HS384', 'HS512']);
const ALGORITHMS = new Set<TokenAlgorithm>(['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256']);

function toSecret(option: string, material: KeyMaterial): KeyObject {
  const key = material instanceof KeyObject ? material : createSecretKey(typeof material === 'string' ? Buffer.from(material, 'utf8') : material);
  if (key.type !== 'secret') fail(option, 'must be a secret key for an HMAC algorithm, not a public or private key.');
  if ((key.symmetricKeySize ?? 0) < MIN_SECRET_BYTES) {
    fail(option, `must be a secret of at least ${MIN_SECRET_BYTES} bytes (e.g. crypto.randomBytes(32).toString('base64url')).`);
  }
  return key;
}

function inferAsymmetric(option: string, key: KeyObject): TokenAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec') return 'ES256';
  return fail(option, `has an unsupported key type ${String(key.asymmetricKeyType)}; use an RSA or EC (P-256) key, or set algorithm.`);
}

function resolveOne(option: string, input: TokenKeyInput, needsSigning: boolean): ResolvedTokenKey {
  if (typeof input === 'string' || Buffer.isBuffer(input) || input instanceof KeyObject) {
    if (input instanceof KeyObject && input.type !== 'secret') {
      return resolveOne(option, input.type === 'private' ? { privateKey: input } : { publicKey: input }, needsSigning);
    }
    const secret = toSecret(option, input);
    return { kid: undefined, algorithm: 'HS256', signingKey: secret, verificationKey: secret };
  }
  if (input === null || typeof input !== 'object') fail(option, 'must be a secret string, a Buffer, a KeyObject or { kid, algorithm, secret | privateKey | publicKey }.');
  const { kid, algorithm } = input;
  if (kid !== undefined && (typeof kid !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(kid))) {
    fail(option, 'must have a kid of 1-64 characters of letters, digits, ".", "_" or "-".');
  }
  if (algorithm !== undefined && !ALGORITHMS.has(algorithm)) fail(option, `must have an algorithm among ${[...ALGORITHMS].join(', ')}.`);
  if (input.secret !== undefined) {
    if (algorithm !== undefined && !HMAC.has(algorithm)) fail(option, `has a secret, which needs an HMAC algorithm (HS256), not ${algorithm}.`);
    const secret = toSecret(option, input.secret);
    return { kid, algorithm: algorithm ?? 'HS256', signingKey: secret, verificationKey: secret };
  }
  if (algorithm !== undefined && HMAC.has(algorithm)) fail(option, `uses ${algorithm}, which needs a secret.`);
  const privateKey = input.privateKey === undefined ? null : input.privateKey instanceof KeyObject ? input.privateKey : createPrivateKey(input.privateKey);
  if (privateKey !== null && privateKey.type !== 'private') fail(option, 'must have a privateKey that is a private key.');
  const publicKeySource = input.publicKey ?? privateKey;
  if (publicKeySource === null || publicKeySource === undefined) fail(option, 'needs a secret (HS256), or a privateKey and/or publicKey (RS256, ES256).');
  const publicKey = publicKeySource instanceof KeyObject && publicKeySource.type === 'public' ? publicKeySource : createPublicKey(publicKeySource);
  if (needsSigning && privateKey === null) fail(option, 'signs new tokens, so it needs a secret or a privateKey.');
  return { kid, algorithm: algorithm ?? inferAsymmetric(option, publicKey), signingKey: privateKey, verificationKey: publicKey };
}

/** Resolves and checks the current key and the retired ones; throws a TypeError that says how to fix them. */
export function resolveTokenKeys(current: TokenKeyInput | undefined, previous: readonly TokenKeyInput[] = []): ResolvedTokenKey[] {
  if (current === undefined || current === null) {
    optionError('tokenKey', 'required', 'is required: an HS256 secret of at least 32 bytes, or { algorithm: "RS256" | "ES256", privateKey }. There is no default.');
  }
  if (!Array.isArray(previous)) fail('previousTokenKeys', 'must be an array of keys.');
  const keys = [resolveOne('tokenKey', current, true), ...previous.map((k, i) => resolveOne(`previousTokenKeys[${i}]`, k, false))];
  if (keys.length > 1) {
    const kids = keys.map((k) => k.kid);
    if (kids.some((k) => k === undefined)) fail('tokenKey', 'and every previousTokenKeys entry need a distinct kid, so tokens name the key that signed them.');
    if (new Set(kids).size !== kids.length) fail('previousTokenKeys', 'must each have a distinct kid.');
  }
  return keys;
}
