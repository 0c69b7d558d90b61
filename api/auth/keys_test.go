package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestNewKeyVerifiesAgainstItsLine(t *testing.T) {
	token, line, err := New(RoleMerchandiser, "catalogue-team")
	if err != nil {
		t.Fatal(err)
	}
	// The secret is base64url and may itself hold "_": it is everything after the id.
	_, secret, _ := strings.Cut(strings.TrimPrefix(token, "sg_"), "_")
	if len(secret) != 32 || strings.Contains(line, secret) {
		t.Fatalf("the keys-file line %q holds the secret", line)
	}
	ring, err := Parse(strings.NewReader("# keys\n\n" + line + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := ring.Verify(token)
	if err != nil {
		t.Fatalf("Verify(own token): %v", err)
	}
	if k.Role != RoleMerchandiser || k.Name != "catalogue-team" || k.Rate != 20 || k.Burst != 40 {
		t.Fatalf("key = %+v", k)
	}
}

func TestVerifyRefusesWrongAndMalformedTokens(t *testing.T) {
	token, line, err := New(RoleApp, "shop")
	if err != nil {
		t.Fatal(err)
	}
	other, _, _ := New(RoleApp, "other")
	ring, err := Parse(strings.NewReader(line))
	if err != nil {
		t.Fatal(err)
	}
	id := strings.Split(token, "_")[1]
	for name, tok := range map[string]string{
		"empty":             "",
		"no prefix":         strings.TrimPrefix(token, "sg_"),
		"unknown id":        other,
		"wrong secret":      "sg_" + id + "_" + strings.Repeat("x", 32),
		"short secret":      "sg_" + id + "_abc",
		"no secret":         "sg_" + id,
		"secret changed":    token[:len(token)-1] + flip(token[len(token)-1]),
		"bearer left on it": "Bearer " + token,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ring.Verify(tok); !errors.Is(err, ErrUnknownKey) {
				t.Fatalf("Verify(%q) = %v, want ErrUnknownKey", tok, err)
			}
		})
	}
}

func TestParseNamesEveryBadLine(t *testing.T) {
	const hash = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"
	file := strings.Join([]string{
		"abcd1234 app " + hash + " shop",          // 1 fine
		"abcd1234 admin " + hash + " dup",         // 2 duplicate id
		"ef56 owner " + hash + " x",               // 3 unknown role
		"ef5678 app sg_abcd_secretsecretsecret x", // 4 a key instead of a hash
		"ef5679 app " + hash,                      // 5 missing name
		"ef5670 app " + hash + " x 0 10",          // 6 rate 0
		"ef5671 app " + hash + " x 5 0",           // 7 burst 0
		"e! app " + hash + " x",                   // 8 bad id
		"ef5672 analyst " + hash + " lab 2.5 5",   // 9 fine with rate
	}, "\n")
	_, err := Parse(strings.NewReader(file))
	if err == nil {
		t.Fatal("Parse accepted bad lines")
	}
	var got []int
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var le *LineError
		if !errors.As(e, &le) {
			t.Fatalf("error %v is not a *LineError", e)
		}
		got = append(got, le.Line)
	}
	want := []int{2, 3, 4, 5, 6, 7, 8}
	if len(got) != len(want) {
		t.Fatalf("bad lines = %v, want %v (%v)", got, want, err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("bad lines = %v, want %v (%v)", got, want, err)
		}
	}
}

func TestParseRole(t *testing.T) {
	for _, r := range Roles {
		if got, err := ParseRole(string(r)); err != nil || got != r {
			t.Fatalf("ParseRole(%q) = %q, %v", r, got, err)
		}
	}
	if _, err := ParseRole("root"); err == nil {
		t.Fatal("ParseRole(root) succeeded")
	}
}

// flip returns a character other than c.
func flip(c byte) string {
	if c == 'Q' {
		return "R"
	}
	return "Q"
}

// TestTenantField: a last field tenant=NAME names the key's tenant, with or without rate and
// burst; a line without it is its own tenant (its id); a bad tenant names the line.
func TestTenantField(t *testing.T) {
	const h = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"
	ring, err := Parse(strings.NewReader(strings.Join([]string{
		"aaaa1111 app " + h + " web 50 100 tenant=shop",
		"bbbb2222 app " + h + " ios tenant=shop",
		"cccc3333 app " + h + " old 50 100",
		"dddd4444 admin " + h + " ops",
	}, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, k := range ring.Keys() {
		got[k.ID] = k.TenantOrID()
	}
	want := map[string]string{"aaaa1111": "shop", "bbbb2222": "shop", "cccc3333": "cccc3333", "dddd4444": "dddd4444"}
	for id, tenant := range want {
		if got[id] != tenant {
			t.Errorf("key %s: tenant %q, want %q", id, got[id], tenant)
		}
	}
	_, err = Parse(strings.NewReader("aaaa1111 app " + h + " web tenant=a/b"))
	var le *LineError
	if !errors.As(err, &le) || le.Line != 1 || !strings.Contains(le.Reason, "tenant") {
		t.Errorf("bad tenant: %v", err)
	}
	_, line, err := NewInTenant(RoleApp, "shop-web", "shop")
	if err != nil || !strings.HasSuffix(line, " tenant=shop") {
		t.Errorf("NewInTenant line %q, %v", line, err)
	}
	if r, err := Parse(strings.NewReader(line)); err != nil || r.Keys()[0].TenantOrID() != "shop" {
		t.Errorf("NewInTenant's line parses to %v, %v", r, err)
	}
}
