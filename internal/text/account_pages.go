package text

var accountPageEntries = []entry{}
