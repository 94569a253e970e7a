//go:build race

package squareoauth_test

// raceEnabled reports a -race build, whose detector changes allocation
// counts (sync.Pool drops items at random under it).
const raceEnabled = true
