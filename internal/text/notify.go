package text

var notifyEntries = []entry{}
