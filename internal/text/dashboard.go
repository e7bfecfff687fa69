package text

var dashboardEntries = []entry{}
