package signin

// StepFlow is Journey.step for tests: Step on a flow already loaded (the
// tests' flows carry no CSRF hash).
var StepFlow = (*Journey).step
