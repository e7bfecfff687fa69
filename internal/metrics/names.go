package metrics

// The names of carekey's metrics, in one place (docs/operator-guide.md,
// "Health, logs and metrics", lists them with their labels).
const (
	// HTTP, per route template (RED).
	HTTPRequests        = "carekey_http_requests_total"           // route, method, code (1xx..5xx)
	HTTPRequestDuration = "carekey_http_request_duration_seconds" // route, method

	// Journeys and tokens, counted from the audit events that record them.
	SignIns       = "carekey_signins_total"        // outcome
	SecondFactors = "carekey_second_factors_total" // channel (sms, tel, otp, email), outcome
	Lockouts      = "carekey_lockouts_total"
	Sends         = "carekey_sends_total"        // channel (email, sms, voice), provider, outcome
	TokenGrants   = "carekey_token_grants_total" // grant_type, outcome

	// Keys.
	SigningKeyAge = "carekey_signing_key_age_seconds" // alg

	// Pools, read at each scrape.
	RedisPoolHits        = "carekey_redis_pool_hits_total"
	RedisPoolMisses      = "carekey_redis_pool_misses_total"
	RedisPoolTimeouts    = "carekey_redis_pool_timeouts_total"
	RedisPoolConns       = "carekey_redis_pool_connections"    // state (total, idle, stale)
	PostgresPoolConns    = "carekey_postgres_pool_connections" // state (total, idle, acquired, constructing, max)
	PostgresAcquires     = "carekey_postgres_pool_acquires_total"
	PostgresAcquireWait  = "carekey_postgres_pool_acquire_wait_seconds_total"
	PostgresEmptyAcquire = "carekey_postgres_pool_empty_acquires_total"
)

// Outcomes of sign-ins (SignIns).
const (
	SignInPassword    = "password_ok"     // the password was right; a second factor follows
	SignInComplete    = "complete"        // the second factor was confirmed
	SignInBadPassword = "password_failed" // wrong password
	SignInUnknown     = "unknown_email"   // no such user (the same screens follow)
	SignInLocked      = "locked"          // an attempt on a locked account
	SignInLimited     = "rate_limited"    // refused by a rate limit
)

// Outcomes of second factors, sends and grants.
const (
	OK      = "ok"
	Failed  = "failed"  // wrong code, unanswered call, refused grant
	Limited = "limited" // rate limited
	Error   = "error"   // the provider or the server failed
)
