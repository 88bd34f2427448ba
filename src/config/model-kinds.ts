// The vocabulary in which model.ts declares the YAML model once: kinds of values, fields with the
// Go representation LinuxKit's structs give them (pointer or value, `omitempty`, JSON name), and
// the TypeScript types a declaration stands for. From one declaration come the TS types
// (types.ts), the JSON Schema (model-schema.ts), the --dry-run and `metadata: yaml` layout
// (to-yaml.ts) and the Go-JSON descriptors (spec/model-go.ts).

/** Documentation carried into the JSON Schema (editors show it). */
export interface Doc {
  doc?: string;
  examples?: readonly unknown[];
}

interface KindBase extends Doc {
  /** Name under the schema's `definitions`: the kind is written once there and used by $ref. */
  def?: string;
}

/**
 * Type-only marks: the TS type of a parsed YAML value (`_ts`) and of its Go JSON form (`_json`).
 * Each builder computes them once from its parts, so no type recurses through the model (which
 * TypeScript rejects as "excessively deep" when it compares such types). Never set at run time.
 */
export interface Typed<T, J = T> {
  readonly _ts?: T;
  readonly _json?: J;
}

export interface StringKind extends KindBase {
  k: 'string';
  minLength?: number;
}
export interface IntKind extends KindBase {
  k: 'int';
  min?: number;
  max?: number;
}
export interface BoolKind extends KindBase {
  k: 'bool';
}
/** A number or a name (uid, gid): Go's interface{}. */
export interface IdKind extends KindBase {
  k: 'id';
}
/** A string limited to some values (a Go string). */
export interface EnumKind<V extends string = string> extends KindBase {
  k: 'enum';
  values: readonly V[];
}
export interface ListKind<E = Kind> extends KindBase {
  k: 'list';
  item: E;
}
/** map[string]T. */
export interface MapKind<E = Kind> extends KindBase {
  k: 'map';
  item: E;
}
/**
 * How --dry-run prints a struct. Default: as yaml.v3 does from the fields' Go tags. `all`: every
 * field, zero when absent (an OCI struct without yaml tags, as yaml.v3 prints it). `given`: the
 * fields given (OCI structs whose yaml.v3 output would not load back: docs/compatibility/config.md).
 */
export type YamlLayout = 'tags' | 'all' | 'given';
export interface StructKind<F = Fields> extends KindBase {
  k: 'struct';
  fields: F;
  yaml: YamlLayout;
}
/** One of several kinds; Go holds it as the branch `go` (the JS side normalises to it). */
export interface UnionKind<B = readonly Kind[], G = number> extends KindBase {
  k: 'union';
  of: B;
  /** JSON Schema oneOf (exactly one branch matches) rather than anyOf. */
  exclusive: boolean;
  go: G;
}
export type Kind = StringKind | IntKind | BoolKind | IdKind | EnumKind | ListKind | MapKind | StructKind | UnionKind;

export interface FieldOpts extends Doc {
  /** Must be given (schema `required`; a non-optional TS property). */
  required?: true;
  /** The Go tag has no omitempty: the field is printed even when empty. */
  omitempty?: false;
  /** Go JSON name, when it is not the YAML key (OCI structs: blockIO, uidMappings). */
  json?: string;
  /**
   * `schema`: accepted by the schema, then dropped (no TS property, never printed).
   * `go`: in the Go struct only (OCI fields LinuxKit's schema does not allow).
   */
  only?: 'schema' | 'go';
  deprecated?: true;
}

/** A field of a struct: its kind, how Go holds it, and its documentation. */
export interface Field<K = Kind> extends FieldOpts {
  kind: K;
  /** A Go pointer (omitted only when absent) or a plain value (omitted when zero). */
  go: 'ptr' | 'value';
}
export type Fields = { readonly [key: string]: Field };

type Opts<T> = Omit<T, 'k'>;
export const str = (o: Opts<StringKind> = {}): StringKind & Typed<string> => ({ k: 'string', ...o });
export const int = (o: Opts<IntKind> = {}): IntKind & Typed<number> => ({ k: 'int', ...o });
export const bool = (o: Opts<BoolKind> = {}): BoolKind & Typed<boolean> => ({ k: 'bool', ...o });
export const id = (o: Opts<IdKind> = {}): IdKind & Typed<number | string> => ({ k: 'id', ...o });
export const enumOf = <const V extends string>(values: readonly V[], o: KindBase = {}): EnumKind<V> & Typed<V, string> => ({
  k: 'enum',
  values,
  ...o,
});
export const list = <E extends Kind>(item: E, o: KindBase = {}): ListKind<E> & Typed<Array<TsOf<E>>, Array<GoJsonOf<E>>> => ({
  k: 'list',
  item,
  ...o,
});
export const map = <E extends Kind>(item: E, o: KindBase = {}): MapKind<E> & Typed<Record<string, TsOf<E>>, Record<string, GoJsonOf<E>>> => ({
  k: 'map',
  item,
  ...o,
});
/** A struct kind with the TS types it stands for (annotates the large ones in model.ts). */
export type StructOf<F extends Fields> = StructKind<F> & Typed<YamlFields<F>, GoJsonFields<F>>;
export const struct = <const F extends Fields>(fields: F, o: KindBase & { yaml?: YamlLayout } = {}): StructOf<F> => ({
  k: 'struct',
  fields,
  yaml: 'tags',
  ...o,
});
export const union = <const B extends readonly Kind[], const G extends number>(
  of: B,
  o: KindBase & { exclusive?: boolean; go: G },
): UnionKind<B, G> & Typed<TsOf<B[number]>, GoJsonOf<B[G]>> => ({ k: 'union', of, exclusive: false, ...o });

/** A field Go holds as a pointer (`*T`, omitempty unless told). */
export const ptr = <K extends Kind, const O extends FieldOpts = Record<never, never>>(kind: K, o?: O): Field<K> & O & { go: 'ptr' } =>
  ({ kind, go: 'ptr', ...o }) as Field<K> & O & { go: 'ptr' };
/** A field Go holds as a plain value (`T`, omitempty unless told). */
export const val = <K extends Kind, const O extends FieldOpts = Record<never, never>>(kind: K, o?: O): Field<K> & O & { go: 'value' } =>
  ({ kind, go: 'value', ...o }) as Field<K> & O & { go: 'value' };

/** Whether a field is printed when empty (its Go tag has omitempty). */
export const omitsEmpty = (f: Field): boolean => f.omitempty !== false;

// ---- The TypeScript types a declaration stands for ----

/** The parsed YAML value of a kind. */
export type TsOf<K> = K extends Typed<infer T, unknown> ? T : never;
/** The value of a kind as Go encodes it to JSON (OCI names; a union as its Go branch). */
export type GoJsonOf<K> = K extends Typed<unknown, infer J> ? J : never;

type YamlKeys<F, Required extends boolean> = {
  [P in keyof F]: F[P] extends { only: string } ? never : (F[P] extends { required: true } ? true : false) extends Required ? P : never;
}[keyof F];

/**
 * A struct as parsed from YAML: required fields, then optional ones (undefined: not given).
 */
export type YamlFields<F> = YamlRequired<F> & YamlOptional<F>;
type YamlRequired<F> = { -readonly [P in YamlKeys<F, true>]: F[P] extends { kind: infer K } ? TsOf<K> : never };
type YamlOptional<F> = { -readonly [P in YamlKeys<F, false>]?: F[P] extends { kind: infer K } ? TsOf<K> : never };

type JsonName<F, P> = F extends { json: infer J extends string } ? J : P;
type GoKeys<F, Always extends boolean> = {
  [P in keyof F]: F[P] extends { only: 'schema' } ? never : (F[P] extends { omitempty: false } ? true : false) extends Always ? P : never;
}[keyof F];

/** A struct as Go's encoding/json writes it: fields without omitempty are always there. */
export type GoJsonFields<F> = GoJsonRequired<F> & GoJsonOptional<F>;
type GoJsonRequired<F> = { -readonly [P in GoKeys<F, true> as JsonName<F[P], P>]: F[P] extends { kind: infer K } ? GoJsonOf<K> : never };
type GoJsonOptional<F> = { -readonly [P in GoKeys<F, false> as JsonName<F[P], P>]?: F[P] extends { kind: infer K } ? GoJsonOf<K> : never };
