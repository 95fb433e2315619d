package steps_test

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/adrg/xdg"

	"github.com/vpclink/vpclink/steps"
)

// stateDirWith is DefaultStateDir with HOME and XDG_STATE_HOME set as given ("" unsets), read
// afresh as a new process would.
func stateDirWith(t *testing.T, home, stateHome string) (string, error) {
	t.Helper()
	t.Setenv("HOME", home)
	t.Setenv("XDG_STATE_HOME", stateHome)
	xdg.Reload()
	t.Cleanup(xdg.Reload)
	return steps.DefaultStateDir()
}

func TestTheStateDirectoryFollowsXDG(t *testing.T) {
	home := t.TempDir()
	tests := map[string]struct {
		home, stateHome string
		want            string
		wantErr         string
	}{
		"XDG_STATE_HOME wins":                             {home: home, stateHome: "/srv/state", want: "/srv/state/vpclink"},
		"without XDG_STATE_HOME, ~/.local/state":          {home: home, want: filepath.Join(home, ".local", "state", "vpclink")},
		"a relative XDG_STATE_HOME is ignored":            {home: home, stateHome: "state", want: filepath.Join(home, ".local", "state", "vpclink")},
		"without a home, XDG_STATE_HOME is enough":        {stateHome: "/srv/state", want: "/srv/state/vpclink"},
		"without a home or XDG_STATE_HOME, a clear error": {wantErr: "pass --state-dir"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if runtime.GOOS != "linux" && tc.stateHome == "" && tc.wantErr == "" {
				t.Logf("the platform's default here is %s", xdg.StateHome)
				return
			}
			got, err := stateDirWith(t, tc.home, tc.stateHome)
			switch {
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("DefaultStateDir() = %q, %v; want an error saying %q", got, err, tc.wantErr)
				}
			case err != nil || got != tc.want:
				t.Errorf("DefaultStateDir() = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
