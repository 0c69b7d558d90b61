package launcher

import "testing"

func TestChoosesSharing(t *testing.T) {
	for _, tc := range []struct {
		flags []string
		want  bool
	}{
		{nil, false},
		{[]string{"-XX:TieredStopAtLevel=1"}, false},
		{[]string{"-Xshare:on"}, false},   // keeps the launcher's archive, and fails unless it maps
		{[]string{"-Xshare:auto"}, false}, // the JVM's default
		{[]string{"-Xmx2g", "-Xshare:off"}, true},
		{[]string{"-XX:SharedArchiveFile=/tmp/mine.jsa"}, true},
		{[]string{"-XX:ArchiveClassesAtExit=/tmp/mine.jsa"}, true},
	} {
		if got := choosesSharing(tc.flags); got != tc.want {
			t.Errorf("choosesSharing(%q) = %v, want %v", tc.flags, got, tc.want)
		}
	}
}
