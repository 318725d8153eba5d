import type { types } from "@slack/bolt";

export type Block = types.KnownBlock;
export type Modal = types.ModalView;

export interface Message {
  /** notification / fallback text */
  text: string;
  blocks: Block[];
}
export type Button = types.Button;
