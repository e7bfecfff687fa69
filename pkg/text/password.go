package text

// The password policy's rules (internal/password: their IDs are the rules'
// IDs), in the guide's words. A %d is the policy's number.
var passwordEntries = []entry{
	{id: "password.min_length", en: "It must be at least %d characters long",
		cy: "Rhaid iddo fod o leiaf %d nod o hyd"},
	{id: "password.max_length", en: "It must be at most %d characters long",
		cy: "Rhaid iddo fod yn %d nod o hyd ar y mwyaf"},
	{id: "password.letter", en: "It must contain at least one letter",
		cy: "Rhaid iddo gynnwys o leiaf un llythyren"},
	{id: "password.allowed_characters", en: "It must contain only letters, digits, and special characters",
		cy: "Rhaid iddo gynnwys llythrennau, digidau a nodau arbennig yn unig"},
	{id: "password.start_letter", en: "It must start with a letter",
		cy: "Rhaid iddo ddechrau gyda llythyren"},
	{id: "password.upper", en: "It must contain at least one upper-case letter",
		cy: "Rhaid iddo gynnwys o leiaf un briflythyren"},
	{id: "password.digit", en: "It must contain at least one numerical digit",
		cy: "Rhaid iddo gynnwys o leiaf un digid rhifol"},
	{id: "password.special", en: "It must contain at least one special character.",
		cy: "Rhaid iddo gynnwys o leiaf un nod arbennig."},
	{id: "password.not_current", en: "It must be different to your current password",
		cy: "Rhaid iddo fod yn wahanol i'ch cyfrinair presennol"},
	{id: "password.not_previous", en: "It must be different to your previous %d passwords.",
		cy: "Rhaid iddo fod yn wahanol i'ch %d cyfrinair blaenorol."},
}
