package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// Variables of the Prefect-based tool Hotpass replaces. Deployments carried
// over still set them; Hotpass has no use for them but says so, so that
// nobody wonders whether they took effect.
const (
	envPrefectRuntime      = "HOTPASS_ENABLE_PREFECT_RUNTIME"
	envPrefectExtraLoggers = "PREFECT_LOGGING_EXTRA_LOGGERS"
)

// prefectNotice returns the one-line notice for the Prefect variables that
// are set, or "" when none is. A runtime switch set to a false value asks
// for what Hotpass does anyway and needs no notice.
func prefectNotice(getenv func(string) string) string {
	var ignored, instead []string
	if v := strings.TrimSpace(getenv(envPrefectRuntime)); v != "" {
		if on, err := strconv.ParseBool(v); err != nil || on {
			ignored = append(ignored, envPrefectRuntime)
			instead = append(instead, "Hotpass schedules and runs pipelines itself, with no Prefect runtime")
		}
	}
	if strings.TrimSpace(getenv(envPrefectExtraLoggers)) != "" {
		ignored = append(ignored, envPrefectExtraLoggers)
		instead = append(instead, "--enable-observability already exports every logger's records with OpenTelemetry")
	}
	if len(ignored) == 0 {
		return ""
	}
	verb := "is"
	if len(ignored) > 1 {
		verb = "are"
	}
	return fmt.Sprintf("hotpass: notice: %s %s ignored: %s", strings.Join(ignored, " and "), verb, strings.Join(instead, "; "))
}

// printPrefectNotice writes the notice before a command does its work;
// completion, help and version stay quiet so that shells and scripts
// reading them see only what they asked for.
func printPrefectNotice(cmd *cobra.Command, getenv func(string) string, stderr io.Writer) {
	switch cmd.Name() {
	case cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd, "completion", "help", "version":
		return
	}
	if cmd.Parent() != nil && cmd.Parent().Name() == "completion" {
		return
	}
	if n := prefectNotice(getenv); n != "" {
		fmt.Fprintln(stderr, n)
	}
}
