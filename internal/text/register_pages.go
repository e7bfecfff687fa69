package text

var registerPageEntries = []entry{}
