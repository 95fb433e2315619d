package steps

import (
	"regexp"
	"strings"
	"testing"
)

// TestTagTextAcceptsWhatAWSsTagPatternAccepts holds the tag check to AWS's documented
// pattern for tag keys and values, written as the regexp it replaces.
func TestTagTextAcceptsWhatAWSsTagPatternAccepts(t *testing.T) {
	key := regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$`)
	value := regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$`)
	inputs := []string{
		"", "team", "cost-center", "a_b.c:d/e=f+g-h@i", "Größe", "日本語", "٣٤", "½", "x y",
		"no\u00a0break", "line\u2028sep", "tab\there", "new\nline", "hash#", "emoji🙂", "semi;colon",
		"\xff", "ok\xc3", strings.Repeat("k", 128), strings.Repeat("k", 129), strings.Repeat("é", 128),
		strings.Repeat("é", 129), strings.Repeat("v", 256), strings.Repeat("v", 257), strings.Repeat("日", 256),
		strings.Repeat("日", 257), "*", "?", "!", "'", `"`, "\\", "$", "%", "&", "(", ")", ",", "<", ">",
	}
	for _, s := range inputs {
		if got, want := tagText(s, 1, 128), key.MatchString(s); got != want {
			t.Errorf("key %q: tagText says %v, AWS's pattern %v", s, got, want)
		}
		if got, want := tagText(s, 0, 256), value.MatchString(s); got != want {
			t.Errorf("value %q: tagText says %v, AWS's pattern %v", s, got, want)
		}
	}
}

// TestAStageNameIsOneTo128Characters checks the stage name's length limit, which sits beside
// its pattern rather than in it.
func TestAStageNameIsOneTo128Characters(t *testing.T) {
	base := "name: orders\nvpc: prod-vpc\nsubnets: [a]\ntargets: {instances: [i-1]}\nstage: {name: %s}\n"
	for name, ok := range map[string]bool{strings.Repeat("s", 128): true, strings.Repeat("s", 129): false, "dev_1": true, "dev-1": false} {
		_, err := ParsePlan("test.yaml", []byte(strings.Replace(base, "%s", name, 1)))
		refused := err != nil && strings.Contains(err.Error(), "stage.name")
		if refused == ok {
			t.Errorf("stage name of %d characters %q: err = %v, want accepted %v", len(name), name[:min(len(name), 8)], err, ok)
		}
	}
}
