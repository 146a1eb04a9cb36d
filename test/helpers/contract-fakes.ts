import { startChainHubContractFake, startFalContractFake } from './fake-fal.ts';
import { startGeminiContractFake } from './fake-gemini.ts';
import { startNanoBananaApiContractFake } from './fake-nanobananaapi.ts';
import { startSinanCodeContractFake } from './fake-sinancode.ts';
import type { ContractFakeFactory } from './provider-contract.ts';

/** Every provider's fake, by the provider's name in PROVIDERS: the contract suite and the end-to-end tests run them all. */
export const CONTRACT_FAKES: ReadonlyArray<readonly [string, ContractFakeFactory]> = [
  ['fal', startFalContractFake],
  ['chainhub', startChainHubContractFake],
  ['sinancode', startSinanCodeContractFake],
  ['nanobananaapi', startNanoBananaApiContractFake],
  ['gemini', startGeminiContractFake],
];
