import type { UpgradePreset } from "../src/evm/upgrade/upgrade-preset";
import { InvalidPresetConfigError } from "../src/evm/errors";

/** Loads a preset on use, so that a Hardhat command that does not upgrade never imports it. */
export type PresetLoader = () => Promise<UpgradePreset<unknown>>;

// Names are registered by code that the project's hardhat.config.ts imports (this repository's
// tasks/aegis-reference.ts registers "aegis"); the config then names them as strings.
const presets = new Map<string, PresetLoader>();

/**
 * Registers a preset under a name that `aegis.presets.<record>` and `aegis.upgrade.preset` can
 * give instead of data or a loader. A second registration of a name replaces the first.
 */
export function registerPreset(name: string, load: PresetLoader): void {
  presets.set(name, load);
}

/** The preset registered as `name`; AEGIS-E344 naming the config key when there is none. */
export async function loadNamedPreset(name: string, key: string): Promise<UpgradePreset<unknown>> {
  const load = presets.get(name);
  if (load === undefined) {
    const known = [...presets.keys()];
    throw new InvalidPresetConfigError(
      key,
      `no preset named ${JSON.stringify(name)} is registered` +
        (known.length > 0 ? ` (registered: ${known.join(", ")})` : " (none is)"),
    );
  }
  return load();
}
