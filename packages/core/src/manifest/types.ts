/** A JSON Schema fragment, as allowed inside a configuration entry's `items` / `properties`. */
export type JsonSchemaFragment = { [key: string]: unknown };

/** The type of a configuration key. */
export type ConfigValueType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';

/** One entry of a manifest's `configuration` map. */
export interface ConfigOption {
  type: ConfigValueType;
  required?: boolean;
  default?: unknown;
  /** Minimum value for numbers, minimum length for strings and arrays. */
  min?: number;
  /** Maximum value for numbers, maximum length for strings and arrays. */
  max?: number;
  enum?: unknown[];
  /** A regular expression a string value must match. */
  pattern?: string;
  /** Never printed in logs, `nexus validate` output or HTTP answers. */
  secret?: boolean;
  description?: string;
  /** JSON Schema of the items of an `array` value. */
  items?: JsonSchemaFragment;
  /** JSON Schema of the properties of an `object` value. */
  properties?: Record<string, JsonSchemaFragment>;
}

/** HTTP methods a manifest may declare. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

/** One entry of a manifest's `api_endpoints`. */
export interface ApiEndpoint {
  method: HttpMethod;
  path: string;
  description?: string;
}

/** Permissions a plugin may ask for. */
export type Permission = 'database.read' | 'database.write' | 'events.publish' | 'events.subscribe';

/** The parsed content of a plugin's `manifest.json`. */
export interface PluginManifest {
  $schema?: string;
  name: string;
  version: string;
  title?: string;
  description?: string;
  author?: string;
  email?: string;
  license?: string;
  category?: string;
  tags?: string[];
  /** Semver range checked against @nexus/core. */
  nexus_version?: string;
  /** Semver range checked against the running Node.js. */
  node_version?: string;
  /** Other plugins, as `"name"` or `"name@range"`. */
  dependencies?: string[];
  permissions?: Permission[];
  configuration?: Record<string, ConfigOption>;
  api_endpoints?: ApiEndpoint[];
  events?: { publishes?: string[]; subscribes?: string[] };
  /** Entry module relative to the plugin folder; default `src/plugin.ts`. */
  main?: string;
}
