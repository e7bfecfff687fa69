// Package config loads and validates carekey's configuration file.
//
// Loading happens in four steps, in this order:
//
//  1. Decode the YAML file strictly: an unknown key, a duplicate key or a
//     second YAML document is an error, reported with its line number.
//  2. Apply IDP_* environment overrides. The variable is named by the key path
//     in upper case with dots as underscores: issuer → IDP_ISSUER,
//     postgres.url → IDP_POSTGRES_URL, keys.encryption_key →
//     IDP_KEYS_ENCRYPTION_KEY, dev.enabled → IDP_DEV_ENABLED. Strings, bools,
//     integers, durations ("15m") and string lists (comma-separated:
//     IDP_REDIS_ADDRS=a:6379,b:6379) can be overridden; the clients list
//     cannot. An empty variable counts as unset.
//  3. Resolve *_file fields: the trimmed contents of the named file become the
//     sibling field (postgres.url_file → postgres.url, redis.password_file,
//     keys.encryption_key_file, keys.pepper_file, clients[i].secret_hash_file).
//     A relative path is relative to the config file's directory. Setting both
//     a field and its *_file is an error.
//  4. Fill defaults, all in applyDefaults; they are documented on the fields in
//     types.go.
//
// Validate then collects every problem at once, each with its key path, as a
// *ValidationError:
//
//	clients[1].redirect_uris[0]: must be https (or http://localhost with allow_insecure_redirects)
//	keys.pepper: required
//
// Validation depends on the Mode: ModeServe (the zero value, the strictest)
// requires PostgreSQL, Redis and real secrets and refuses every dev.* setting
// and allow_insecure_redirects; ModeDev (`idp dev`) runs on memory backends.
//
// # Checking a config without its secrets
//
// `idp config check FILE` runs on machines that do not hold the deployment's
// secret files. It calls Check with Options.SkipMissingSecretFiles: a *_file
// that does not exist is then not an error, and the secret it names is taken
// as provided and not checked (Options.MissingSecretFile hears about each one,
// so the CLI can list them). A file that exists but cannot be read is still an
// error. `idp serve` leaves the option off, so a missing secret file stops it.
//
// Typical use:
//
//	cfg, err := config.Check(path, config.Options{Env: os.Getenv}, config.ModeServe)
//	if err != nil {
//		return err // one "path: message" line per problem
//	}
package config
