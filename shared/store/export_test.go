package store

import (
	"context"
	"time"
)

// SetPause replaces the wait between a batch write's tries.
func (s *Store) SetPause(f func(context.Context, time.Duration) error) { s.pause = f }

// AttrExpires is the attribute the store writes expiry times to.
const AttrExpires = attrExpires
