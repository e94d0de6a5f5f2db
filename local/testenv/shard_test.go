package testenv

import (
	"fmt"
	"testing"
)

func TestShard(t *testing.T) {
	for _, c := range []struct {
		env  string
		k, n int
	}{
		{"", 1, 1},
		{"1/2", 1, 2},
		{"2/2", 2, 2},
		{"3/3", 3, 3},
		{"1/1", 1, 1},
		// Malformed or out of range: a shard of one, so every test runs
		// rather than none.
		{"0/2", 1, 1},
		{"3/2", 1, 1},
		{"2", 1, 1},
		{"1/0", 1, 1},
		{"1/2x", 1, 1},
		{" 1/2", 1, 1},
		{"a/b", 1, 1},
	} {
		t.Setenv("LEADFLOW_SHARD", c.env)
		if k, n := Shard(); k != c.k || n != c.n {
			t.Errorf("LEADFLOW_SHARD=%q: shard %d of %d, want %d of %d", c.env, k, n, c.k, c.n)
		}
	}
}

// TestShardOfSplitsAndAgrees: every name has one shard in 1..n, the same
// at every call (each process of a run computes it alone), and a
// package's worth of names lands in every shard.
func TestShardOfSplitsAndAgrees(t *testing.T) {
	for _, n := range []int{1, 2, 3} {
		per := make([]int, n+1)
		for i := range 100 {
			name := fmt.Sprintf("TestSomething%d", i)
			s := ShardOf(name, n)
			if s < 1 || s > n {
				t.Fatalf("ShardOf(%q, %d) = %d, outside 1..%d", name, n, s, n)
			}
			if again := ShardOf(name, n); again != s {
				t.Fatalf("ShardOf(%q, %d) = %d, then %d", name, n, s, again)
			}
			per[s]++
		}
		for s := 1; s <= n; s++ {
			if per[s] < 100/n/2 {
				t.Errorf("%d shards: shard %d has %d of 100 names", n, s, per[s])
			}
		}
	}
}
