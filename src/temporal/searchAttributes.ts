import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';

/**
 * The custom search attributes every reelflow run carries, so the Web UI's filter box and
 * `temporal workflow list --query "ReelflowKind='short' AND ReelflowStage='rendering'"` find runs.
 * Kind, language and provider are set when the run starts; the stage follows the run as it works.
 * Pure definitions: the workflow sandbox imports this file too.
 */
export const RunKindAttribute = defineSearchAttributeKey('ReelflowKind', SearchAttributeType.KEYWORD);
export const LanguageAttribute = defineSearchAttributeKey('ReelflowLanguage', SearchAttributeType.KEYWORD);
export const ProviderAttribute = defineSearchAttributeKey('ReelflowProvider', SearchAttributeType.KEYWORD);
export const StageAttribute = defineSearchAttributeKey('ReelflowStage', SearchAttributeType.KEYWORD);

export const REELFLOW_SEARCH_ATTRIBUTES = [RunKindAttribute, LanguageAttribute, ProviderAttribute, StageAttribute];

/** `--search-attribute Name=Keyword` flags for `temporal server start-dev`. */
export function devServerSearchAttributeArgs(): string[] {
  return REELFLOW_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]);
}
