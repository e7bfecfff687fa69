package app

// OpenKeysAt is OpenKeys on clock clk, so a test can run `idp keys rotate`
// on the same (fake) clock as the replicas it starts.
var OpenKeysAt = openKeys
