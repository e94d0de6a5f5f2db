package emulators

// OnPick makes f run with each port chosen for an emulator, before the
// emulator starts on it; restore puts the old hook back.
func OnPick(f func(port int)) (restore func()) {
	old := picked
	picked = f
	return func() { picked = old }
}
