package labelstudio

import (
	"strings"
)

// ChoiceName is the name of the Choices control in the labelling config;
// pulled annotations are read from it.
const ChoiceName = "decision"

// LabelingConfig returns the labelling config XML for a review project: the
// two records side by side as key/value tables (Label Studio's Table tag
// shows a task data object as a table), the score summary, and a single
// choice of match, non_match or unsure. Paste it into the project's
// Settings → Labeling Interface → Code, or send it as "label_config" when
// creating the project.
func LabelingConfig() string {
	var b strings.Builder
	b.WriteString(`<View>
  <Header value="Are these two records the same entity?"/>
  <Text name="summary" value="$summary"/>
  <View style="display: flex; gap: 1em;">
    <View style="flex: 1;">
      <Header value="Left record" size="5"/>
      <Table name="left" value="$left"/>
    </View>
    <View style="flex: 1;">
      <Header value="Right record" size="5"/>
      <Table name="right" value="$right"/>
    </View>
  </View>
  <Choices name="`)
	b.WriteString(ChoiceName)
	b.WriteString(`" toName="summary" choice="single" showInLine="true" required="true">
`)
	for _, v := range []Verdict{Match, NonMatch, Unsure} {
		b.WriteString(`    <Choice value="` + string(v) + `"/>` + "\n")
	}
	b.WriteString("  </Choices>\n</View>\n")
	return b.String()
}
