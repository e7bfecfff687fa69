package text

var signinPageEntries = []entry{}
