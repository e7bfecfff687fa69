package phone

// Country is one choice of the enrolment form's "Country Code" select.
type Country struct {
	// Name is shown to the user: "United Kingdom".
	Name string
	// Code is the calling code without "+": "44". It is the select's value
	// and Parse's countryCode.
	Code string
}

// Countries returns the choices for the "Country Code" select, the United
// Kingdom first (the default), then Ireland and a few neighbours whose
// numbers Parse accepts. A fresh slice each call: callers may change it.
func Countries() []Country {
	return []Country{
		{Name: "United Kingdom", Code: "44"},
		{Name: "Ireland", Code: "353"},
		{Name: "France", Code: "33"},
		{Name: "Germany", Code: "49"},
		{Name: "Spain", Code: "34"},
		{Name: "Poland", Code: "48"},
	}
}

// listed reports whether calling code cc is one of Countries.
func listed(cc string) bool {
	for _, c := range Countries() {
		if c.Code == cc {
			return true
		}
	}
	return false
}
