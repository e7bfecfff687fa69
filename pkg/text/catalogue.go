package text

import (
	"fmt"
	"sort"
)

// entry is one message in both languages.
type entry struct {
	id ID
	en string
	cy string
	// same marks a Welsh side that is rightly the English one (a name).
	same bool
	// reviewed marks Welsh that a Welsh language officer has checked.
	reviewed bool
}

// catalogue indexes every entry table by ID. It is built once, from constant
// tables, and never changes.
var catalogue = index(
	coreEntries, journeyEntries, pageEntries, passwordEntries, titleEntries, layoutEntries,
	signinPageEntries, registerPageEntries, accountPageEntries, notifyEntries, dashboardEntries,
)

func index(tables ...[]entry) map[ID]entry {
	m := make(map[ID]entry)
	for _, t := range tables {
		for _, e := range t {
			if _, dup := m[e.id]; dup {
				panic(fmt.Sprintf("text: message %s defined twice", e.id))
			}
			m[e.id] = e
		}
	}
	return m
}

// IDs returns every message ID of the catalogue, sorted.
func IDs() []ID {
	ids := make([]ID, 0, len(catalogue))
	for id := range catalogue {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// WantsReview returns the IDs whose Welsh a Welsh language officer has not
// yet checked, sorted.
func WantsReview() []ID {
	var ids []ID
	for _, id := range IDs() {
		if e := catalogue[id]; !e.reviewed && !e.same {
			ids = append(ids, id)
		}
	}
	return ids
}
