package token_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/token"
)

var (
	now     = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	secretA = "secret-A-0123456789abcdef"
	secretB = "secret-B-0123456789abcdef"
)

func mustKeys(t testing.TB, spec string) token.Keys {
	t.Helper()
	k, err := token.ParseKeys(spec)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestParseKeys(t *testing.T) {
	tests := []struct {
		name    string
		spec    string
		current string
		errHas  string
	}{
		{"one key", "k1:" + secretA, "k1", ""},
		{"first is current", "k2:" + secretB + ",k1:" + secretA, "k2", ""},
		{"spaces around entries", " k2:" + secretB + " , k1:" + secretA + " ", "k2", ""},
		{"secret may hold colons", "k1:a:b:c:d:e:f:g:h:i:j", "k1", ""},
		{"empty", "", "", "empty"},
		{"blank", "  ", "", "empty"},
		{"no colon", "k1" + secretA, "", "entry 1"},
		{"empty kid", ":" + secretA, "", "1–32"},
		{"kid with dot", "k.1:" + secretA, "", "only letters"},
		{"short secret", "k2:" + secretB + ",k1:short", "", `entry 2 (key "k1"): secret is 5 bytes`},
		{"duplicate kid", "k1:" + secretA + ",k1:" + secretB, "", "listed twice"},
		{"trailing comma", "k1:" + secretA + ",", "", "entry 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := token.ParseKeys(tt.spec)
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.errHas)
				}
				if strings.Contains(err.Error(), secretA) || strings.Contains(err.Error(), secretB) {
					t.Fatalf("error leaks a secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if k.Current() != tt.current {
				t.Fatalf("current = %q, want %q", k.Current(), tt.current)
			}
		})
	}
}

func TestKeysDoNotPrintSecrets(t *testing.T) {
	k := mustKeys(t, "k2:"+secretB+",k1:"+secretA)
	for _, s := range []string{k.String(), k.GoString()} {
		if strings.Contains(s, "secret-") || !strings.Contains(s, "k2") || !strings.Contains(s, "k1") {
			t.Fatalf("Keys printed as %q", s)
		}
	}
}

// tamper flips one character of part i (0 kid, 1 payload, 2 sig) of tok.
func tamper(tok string, i int) string {
	parts := strings.Split(tok, ".")
	p := []byte(parts[i])
	if p[0] == 'A' {
		p[0] = 'B'
	} else {
		p[0] = 'A'
	}
	parts[i] = string(p)
	return strings.Join(parts, ".")
}

func TestVerify(t *testing.T) {
	keys := mustKeys(t, "k1:"+secretA)
	claims := token.Claims{Action: "accept", Subject: "01JDLEAD", Extra: "rep-hash", Expires: now.Add(72 * time.Hour)}
	good := keys.Sign(claims)
	other := mustKeys(t, "k1:"+secretB) // same kid, different secret

	// A payload re-signed by nobody: a valid encoding of different claims
	// spliced into a genuine token.
	forged := strings.Split(keys.Sign(token.Claims{Action: "accept", Subject: "01JDOTHER", Expires: now.Add(time.Hour)}), ".")
	splice := strings.Split(good, ".")
	splice[1] = forged[1]

	tests := []struct {
		name   string
		tok    string
		action string
		at     time.Time
		want   error
	}{
		{"round trip", good, "accept", now, nil},
		{"just before expiry", good, "accept", claims.Expires.Add(-time.Second), nil},
		{"at expiry", good, "accept", claims.Expires, token.ErrExpired},
		{"after expiry", good, "accept", claims.Expires.Add(time.Hour), token.ErrExpired},
		{"wrong action", good, "reject", now, token.ErrInvalid},
		{"empty action", good, "", now, token.ErrInvalid},
		{"tampered kid", tamper(good, 0), "accept", now, token.ErrInvalid},
		{"tampered payload", tamper(good, 1), "accept", now, token.ErrInvalid},
		{"tampered sig", tamper(good, 2), "accept", now, token.ErrInvalid},
		{"spliced payload", strings.Join(splice, "."), "accept", now, token.ErrInvalid},
		{"other secret", other.Sign(claims), "accept", now, token.ErrInvalid},
		{"truncated sig", good[:len(good)-2], "accept", now, token.ErrInvalid},
		{"extra part", good + ".x", "accept", now, token.ErrInvalid},
		{"padding added", good + "=", "accept", now, token.ErrInvalid},
		{"empty", "", "accept", now, token.ErrInvalid},
		{"dots only", "..", "accept", now, token.ErrInvalid},
		{"garbage", "not a token at all", "accept", now, token.ErrInvalid},
		{"too long", good + strings.Repeat("A", token.MaxLen), "accept", now, token.ErrInvalid},
		{"zero keys signed", token.Keys{}.Sign(claims), "accept", now, token.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := keys.Verify(tt.tok, tt.action, tt.at)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if err == nil && got != claims {
				t.Fatalf("claims = %+v, want %+v", got, claims)
			}
		})
	}
}

func TestTokenShape(t *testing.T) {
	keys := mustKeys(t, "k1:"+secretA)
	tok := keys.Sign(token.Claims{Action: "unsubscribe", Subject: "01JDQ3Z5X8K2M4N6P8R0T2V4W6", Extra: strings.Repeat("f", 64), Expires: now.AddDate(1, 0, 0)})
	if len(tok) > 200 {
		t.Fatalf("token is %d characters, want a compact one: %s", len(tok), tok)
	}
	if strings.Trim(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") != "" {
		t.Fatalf("token is not URL-safe: %s", tok)
	}
	if parts := strings.Split(tok, "."); len(parts) != 3 || parts[0] != "k1" {
		t.Fatalf("token = %s, want k1.<payload>.<sig>", tok)
	}
}

func TestClaimsSurviveAnyBytes(t *testing.T) {
	keys := mustKeys(t, "k1:"+secretA)
	c := token.Claims{Action: "click", Subject: "a.b:c,d\x00é", Extra: "", Expires: now.Add(time.Minute)}
	got, err := keys.Verify(keys.Sign(c), "click", now)
	if err != nil || got != c {
		t.Fatalf("got %+v, %v; want %+v", got, err, c)
	}
}

func TestExpiresIsKeptToTheSecond(t *testing.T) {
	keys := mustKeys(t, "k1:"+secretA)
	c := token.Claims{Action: "accept", Subject: "x", Expires: now.Add(1500 * time.Millisecond)}
	got, err := keys.Verify(keys.Sign(c), "accept", now)
	if err != nil || !got.Expires.Equal(now.Add(time.Second)) {
		t.Fatalf("got %+v, %v", got, err)
	}
}

// TestIssuedIsKeptAndOptional: an issue time travels to the second; a
// link without one is encoded as before (version 1), so links made before
// issue times existed verify unchanged and read as having none.
func TestIssuedIsKeptAndOptional(t *testing.T) {
	keys := mustKeys(t, "k1:"+secretA)
	c := token.Claims{Action: "accept", Subject: "lead-1", Extra: "rep:0123456789abcdef", Expires: now.Add(7 * 24 * time.Hour), Issued: now.Add(-1500 * time.Millisecond)}
	got, err := keys.Verify(keys.Sign(c), "accept", now)
	if err != nil || !got.Issued.Equal(now.Add(-2*time.Second)) || got.Subject != c.Subject || got.Extra != c.Extra || !got.Expires.Equal(c.Expires) {
		t.Fatalf("with an issue time: got %+v, %v", got, err)
	}
	c.Issued = time.Time{}
	tok := keys.Sign(c)
	got, err = keys.Verify(tok, "accept", now)
	if err != nil || !got.Issued.IsZero() {
		t.Fatalf("without one: got %+v, %v", got, err)
	}
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
	if payload[0] != 1 {
		t.Fatalf("a link without an issue time is encoded as version %d, want 1 (as before)", payload[0])
	}
}

func TestZeroExpiresIsExpired(t *testing.T) {
	keys := mustKeys(t, "k1:"+secretA)
	_, err := keys.Verify(keys.Sign(token.Claims{Action: "accept", Subject: "x"}), "accept", now)
	if !errors.Is(err, token.ErrExpired) {
		t.Fatalf("err = %v, want ErrExpired", err)
	}
}

func TestExpiredReturnsClaims(t *testing.T) {
	keys := mustKeys(t, "k1:"+secretA)
	c := token.Claims{Action: "accept", Subject: "lead-1", Expires: now.Add(-time.Hour)}
	got, err := keys.Verify(keys.Sign(c), "accept", now)
	if !errors.Is(err, token.ErrExpired) || got.Subject != "lead-1" {
		t.Fatalf("got %+v, %v", got, err)
	}
}

func TestRotation(t *testing.T) {
	old := mustKeys(t, "k1:"+secretA)
	rotated := mustKeys(t, "k2:"+secretB+",k1:"+secretA)
	retired := mustKeys(t, "k2:"+secretB)
	c := token.Claims{Action: "accept", Subject: "lead-1", Expires: now.Add(time.Hour)}

	oldTok := old.Sign(c)
	newTok := rotated.Sign(c)
	if !strings.HasPrefix(newTok, "k2.") {
		t.Fatalf("rotated keys signed with %s, want the new current key k2", newTok)
	}

	tests := []struct {
		name string
		keys token.Keys
		tok  string
		want error
	}{
		{"old token, old key still listed", rotated, oldTok, nil},
		{"new token, rotated keys", rotated, newTok, nil},
		{"old token, old key removed", retired, oldTok, token.ErrInvalid},
		{"new token, retired set", retired, newTok, nil},
		{"new token, before rotation", old, newTok, token.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.keys.Verify(tt.tok, "accept", now)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func FuzzVerify(f *testing.F) {
	keys := mustKeys(f, "k2:"+secretB+",k1:"+secretA)
	old := mustKeys(f, "k1:"+secretA)
	c := token.Claims{Action: "accept", Subject: "01JDLEAD", Extra: "x", Expires: now.Add(time.Hour)}
	good := keys.Sign(c)
	f.Add(good, "accept")
	f.Add(good, "reject")
	f.Add(old.Sign(c), "accept")
	f.Add(tamper(good, 1), "accept")
	f.Add(tamper(good, 2), "accept")
	f.Add("", "")
	f.Add("..", "accept")
	f.Add("k2..", "accept")
	f.Add("k2."+base64.RawURLEncoding.EncodeToString([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})+".AAAA", "accept")
	f.Add(strings.Repeat("k2.", 400), "accept")
	f.Add("k2.\x00\xff.é", "unsubscribe")
	f.Fuzz(func(t *testing.T, tok, action string) {
		got, err := keys.Verify(tok, action, now)
		if err != nil {
			if !errors.Is(err, token.ErrInvalid) && !errors.Is(err, token.ErrExpired) {
				t.Fatalf("error %v wraps neither sentinel", err)
			}
			return
		}
		if got.Action != action || !now.Before(got.Expires) {
			t.Fatalf("accepted %q for action %q with claims %+v", tok, action, got)
		}
	})
}

func TestDerive(t *testing.T) {
	keys, err := token.ParseKeys("k2:second-secret-0123456789,k1:first-secret-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	current, a := keys.Derive("purpose a")
	_, b := keys.Derive("purpose b")
	if current != "k2" || len(a) != 2 || len(a["k1"]) != 32 || len(a["k2"]) != 32 {
		t.Fatalf("Derive = %q, %d keys", current, len(a))
	}
	// Keyed per id and per label, and never the secret itself.
	if bytes.Equal(a["k1"], a["k2"]) || bytes.Equal(a["k2"], b["k2"]) ||
		bytes.Contains(a["k2"], []byte("second-secret")) {
		t.Fatalf("derived keys not distinct: %x %x %x", a["k1"], a["k2"], b["k2"])
	}
	// Deterministic: the same secret and label give the same key, whatever
	// else is listed (a rotation keeps old derived keys as they were).
	old, _ := token.ParseKeys("k1:first-secret-0123456789")
	if _, again := old.Derive("purpose a"); !bytes.Equal(again["k1"], a["k1"]) {
		t.Fatal("derived key changed with the key list")
	}
	// The caller owns the map.
	a["k1"][0] ^= 0xff
	if _, again := keys.Derive("purpose a"); bytes.Equal(again["k1"], a["k1"]) {
		t.Fatal("Derive shares its keys with a caller")
	}
	for _, bad := range []string{"", "with.dot"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Derive(%q) did not panic", bad)
				}
			}()
			keys.Derive(bad)
		}()
	}
}
